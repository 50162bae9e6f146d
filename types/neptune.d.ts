// The wasm-bindgen glue's exports (src/web.rs), for the type check only: wasm-pack writes the glue
// to pkg/neptune.js without declarations (--no-typescript), and the Makefile copies it beside
// worker.js in dist/. tsconfig.json's rootDirs resolves www/'s './neptune.js' here.

/** What `init` accepts: the wasm's URL or response, or its bytes or compiled module. */
export type InitInput = RequestInfo | URL | Response | BufferSource | WebAssembly.Module;

/** The instantiated module's exports. */
export interface InitOutput {
  readonly memory: WebAssembly.Memory;
}

/**
 * Loads the wasm module (fetched beside the glue when `module_or_path` is undefined) and runs its
 * start function; resolves with its exports.
 */
export default function init(
  module_or_path?: { module_or_path: InitInput | Promise<InitInput> } | InitInput | Promise<InitInput>,
): Promise<InitOutput>;

/**
 * Scored rows of one push (`take_batch`): typed arrays, one entry per row, and the scorer's
 * running counts.
 */
export interface Batch {
  /** The scored CSV's bytes. */
  csv: Uint8Array;
  /** Exact scores; NaN for a rejected row. */
  scores: Float64Array;
  /** Each row's input line. */
  lines: Float64Array;
  /** Bit 0 flagged, bit 1 rejected, bits 2-4 the label (0 none, 1 normal, 2 Neptune, 3 other, 4 group). */
  flags: Uint8Array;
  /** Each row's end offset in `csv` (a row starts where the previous ends). */
  ends: Uint32Array;
  rows: number;
  scored: number;
  flagged: number;
  rejected: number;
  /** `[start, end]` of the output header in `csv`, in the batch that holds it. */
  header?: Uint32Array;
}

/** The last batch of a file, with its summary. */
export interface FinalBatch extends Batch {
  /** The whole file's counts, rejected rows, unknown categories, histogram, metrics (`Summary`). */
  summary: any;
  /** The same summary in postcard, for the primary scorer's `merge`. */
  summaryBytes: Uint8Array;
  /** Line ends read. */
  lineEnds: number;
}

/** Scores one file pushed in chunks. */
export class WasmScorer {
  /** With the embedded model or the model file `model`; `threshold` overrides the model's. */
  constructor(threshold?: number | null, model?: Uint8Array | null);
  /** A scorer whose conn.log output carries the 41 computed features before the score columns. */
  static withZeekFeatures(threshold?: number | null, model?: Uint8Array | null): WasmScorer;
  /** A scorer for a later part of the file, from the primary's `pushStart(...).context`. */
  static forPart(context: Uint8Array, threshold?: number | null, model?: Uint8Array | null): WasmScorer;
  /** Scores the start of a file that goes on; `context` is undefined when it cannot be split. */
  pushStart(head: Uint8Array): Batch & { context?: Uint8Array };
  /** A later part's own bytes: `[carry, end]` in (before, range), or undefined: cannot be cut off. */
  partBounds(before: Uint8Array, range: Uint8Array, last: boolean): Uint32Array | undefined;
  /** Every line through the general path (before the first push; for the benchmark). */
  generalOnly(): void;
  /** From now on batches leave out `csv` (still saying `csvBytes`): copy it with `copyCsv`. */
  csvOnRequest(): void;
  /** Copies the last batch's scored CSV into `target` from `at`; returns the bytes copied. */
  copyCsv(target: Uint8Array, at: number): number;
  /** Line ends read so far. */
  lineEnds(): number;
  /** Adds a later part's `summaryBytes`, its line numbers offset by `lineOffset`. */
  merge(summary: Uint8Array, lineOffset: number): void;
  /** Scores the rows `chunk` completes; throws on a file-level problem. */
  push(chunk: Uint8Array): Batch;
  /** Ends the file. */
  finish(): FinalBatch;
  free(): void;
}

/** A gzip stream decompressed as it comes (every member). */
export class Gunzip {
  constructor();
  /** Decompresses the next bytes; returns what they yield. */
  push(compressed: Uint8Array): Uint8Array;
  /** Ends the stream (and frees the decoder); throws when the data was cut short. */
  finish(): void;
  free(): void;
}

/** A model file's facts (`modelInfo`). */
export interface ModelInfo {
  sha256: string;
  bytes: number;
  trees: number;
  nodes: number;
  threshold: number;
}

/** Held-out figures of one model (`Trainer.finish`'s `holdout` and `builtin`). */
export interface Evaluation {
  threshold: number;
  figures: { accuracy: number; precision: number; recall: number; f1: number; errors: number; rows: number };
  confusion: { truePositive: number; falsePositive: number; trueNegative: number; falseNegative: number };
  rocAuc: number;
}

/** A trained model and how it fared (`Trainer.finish`). */
export interface Trained extends ModelInfo {
  /** The model file (what `neptune train --out` writes). */
  model: Uint8Array;
  /** Its card (what the CLI writes beside the model file, with camelCase names). */
  card: ModelCard;
  seed: number;
  counts: { rowsUsed: number; rowsRejected: number; rowsSkipped: number; trainingRows: number; holdoutRows: number };
  holdout: Evaluation;
  builtin: Evaluation;
}

/** Training progress (`Trainer.progress`). */
export interface Progress {
  treesBuilt: number;
  trees: number;
  trainingRows: number;
  holdoutRows: number;
}

/** Trains a model on a labelled file, one tree per `step()` (`neptune train --no-compare`). */
export class Trainer {
  /** `seed`: a whole number in 0..2^53; `file_name`: what the card names. */
  constructor(data: Uint8Array, seed: number, file_name?: string | null);
  progress(): Progress;
  /** Grows the next tree: false once all are grown. */
  step(): boolean;
  /** Grows any trees left and judges the model; the trainer is spent afterwards. */
  finish(): Trained;
  free(): void;
}

/** A row's explanation (`explain`). */
export interface Explanation {
  score: number;
  base: number;
  threshold: number;
  effects: { feature: string; effect: number; value: string }[];
}

/**
 * A model card (src/train.rs `ModelCard`, models/neptune.card.json), its names in camelCase; only
 * what the page reads is spelled out.
 */
export interface ModelCard {
  name: string;
  kind: string;
  score: string;
  threshold: number;
  thresholdRule: string;
  features: string[];
  notFeatures: string[];
  dataSource?: string;
  [more: string]: unknown;
}

/** The embedded model's card, with camelCase names. */
export function modelCard(): ModelCard;
/** The embedded model's threshold. */
export function modelThreshold(): number;
/** The bits of a batch's `flags`, by name (src/score.rs `row_flags`). */
export function rowFlags(): { flagged: number; rejected: number; labelShift: number; labelMask: number };
/** How a file is cut into parts (src/parts.rs). */
export function partPlan(): { firstPartBytes: number; minPartBytes: number; partBytes: number; lookBehindBytes: number };
/** Splits one line of the scored CSV into its fields. */
export function splitRow(line: Uint8Array): string[];
/** Lines' fields as one string: see `split_lines` in src/web.rs. */
export function splitLines(bytes: Uint8Array, ends: Uint32Array): { text: string; fieldEnds: Uint32Array; lineEnds: Uint32Array };
/** Explains a row of the scored CSV (`header`, `row`: its lines) under `model` (undefined: the embedded one). */
export function explain(header: Uint8Array, row: Uint8Array, model?: Uint8Array | null): Explanation;
/** Checks a model file; throws a plain sentence when it is not a usable one. */
export function modelInfo(bytes: Uint8Array): ModelInfo;
