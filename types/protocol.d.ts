// The messages between the page and a scorer worker (www/worker.js), as types: every message the
// page posts is a `WorkerRequest` (pool.js's `post` and `request` take nothing else), every
// message the worker posts is a `WorkerReply` (worker.js's `reply`), and `tsc` (make lint) holds
// both sides to them. The prose of each field is at the top of www/worker.js.
//
// Plain TypeScript, not serde enums in Rust: the messages travel between two JavaScript contexts
// and carry File objects, Blobs and transferred buffers that must not be copied through wasm
// memory; Rust is not a party to them (it sees the scorer's calls, typed in neptune.d.ts).

import type { Batch, Explanation, ModelCard, ModelInfo, Progress, Trained } from './neptune.js';

/** How a file is cut into parts (`partPlan()`, src/parts.rs). */
export interface PartPlan {
  firstPartBytes: number;
  minPartBytes: number;
  partBytes: number;
  lookBehindBytes: number;
}

/** The bits of a row's flags byte (`rowFlags()`). */
export interface RowFlags {
  flagged: number;
  rejected: number;
  labelShift: number;
  labelMask: number;
}

/**
 * Bytes of a file for a push: a slice of the File or a range of it ({file, start, end}), read
 * by the worker, or the bytes themselves.
 */
export type PushBytes = Blob | { file: File; start: number; end: number } | ArrayBuffer | Uint8Array;

/** A chunk of a file for the scorer of part `part` of run `run`. */
export interface PushRequest {
  type: 'push';
  run: number;
  part: number;
  chunk: PushBytes;
  /** A later part's scorer: the primary's `context` (postcard bytes). */
  context?: Uint8Array;
  /**
   * A later part's first push sent before the primary has answered with `context`: the file's
   * start (the primary's first push), from which the worker learns the same context itself.
   */
  head?: PushBytes;
  /**
   * A later part's first push: `chunk` opens with this many bytes of look-behind (the end of the
   * range before the part), read with it.
   */
  behind?: number;
  /** With `behind`: the part runs to the end of the file. */
  last?: boolean;
  /** The start of a file that goes on after it (`pushStart`). */
  first?: boolean;
  threshold?: number;
  features?: boolean;
  inline?: boolean;
  /** The primary's batches carry the file's first rows split into fields (`BatchReply.preview`). */
  preview?: boolean;
}

export type WorkerRequest =
  | { type: 'init'; wasmHex?: string; module?: WebAssembly.Module; warm?: boolean }
  | PushRequest
  | { type: 'finish'; run: number; part: number }
  | { type: 'merge'; run: number; part: number; summary: Uint8Array; lineOffset: number }
  | { type: 'split'; id: number; bytes: ArrayBuffer; ends: number[] | Uint32Array }
  | { type: 'explain'; id: number; header: Uint8Array; row: Uint8Array }
  | {
      type: 'order';
      id: number;
      scores: Float64Array[];
      flags: Uint8Array[];
      attacksOnly: boolean;
      sort: string;
      threshold?: number;
    }
  | { type: 'inspect'; id: number; bytes: Uint8Array }
  | { type: 'model'; id?: number; bytes: Uint8Array | null }
  | { type: 'train'; id: number; file: File; seed: number };

/** What a part's scorer gave for one push (`batch`) or for its end (`done`). */
export interface BatchReply extends Omit<Batch, 'csv' | 'header' | 'lines'> {
  type: 'batch' | 'done';
  /**
   * The input line of each row, or, when the rows lie on consecutive lines, the first row's
   * (the usual case: 8 bytes a row not sent).
   */
  lines: Float64Array | number;
  run: number;
  part: number;
  /** Length of this batch's scored CSV. */
  csvBytes: number;
  /** The scored CSV not yet sent, in a Blob (a large part) or as bytes (`inline`). */
  blob?: Blob;
  csv?: Uint8Array;
  /** Where the batch's first row begins (after the header, in the batch that holds it). */
  start: number;
  /** The header line, once, and its fields. */
  header?: Uint8Array;
  columns?: string[];
  /**
   * The fields of the batch's first rows (as `split` gives them), in the primary's batches until
   * it has sent the file's first 100 rows: the results table's first page.
   */
  preview?: string[][];
  /** The answer to a `first` push. */
  first?: boolean;
  context?: Uint8Array;
  lineEnds?: number;
  /** With `done`: the part's summary, as an object and in postcard (what `merge` takes). */
  summary?: any;
  summaryBytes?: Uint8Array;
}

/** A part that cannot be cut off from what follows it (see `PushRequest.behind`). */
export interface UnsplitReply {
  type: 'unsplit';
  run: number;
  part: number;
}

export interface ErrorReply {
  type: 'error';
  run?: number;
  part?: number;
  id?: number;
  message: string;
  /** The module is unusable: start a new worker. */
  fatal?: boolean;
}

/** The replies about a run, which run.js hands over in file order. */
export type RunReply = BatchReply | UnsplitReply | ErrorReply;

export type WorkerReply =
  | { type: 'ready'; card: ModelCard; threshold: number; rowFlags: RowFlags; partPlan: PartPlan; module: WebAssembly.Module }
  | RunReply
  | { type: 'split'; id: number; rows: string[][] }
  | { type: 'explain'; id: number; explanation: Explanation }
  | { type: 'order'; id: number; order: Uint32Array }
  | { type: 'inspect'; id: number; info: ModelInfo }
  | { type: 'model'; id: number; info: ModelInfo | null }
  | ({ type: 'training'; id: number } & Progress)
  | { type: 'trained'; id: number; result: Trained & { memoryBytes?: number } };
