// @ts-check
// The bits of a row's flags byte (a batch's `flags`), by name. The wasm module defines them
// (`rowFlags()`, `row_flags` in src/score.rs); the pool sets them from the workers' `ready`
// message, before any row arrives.

/** @type {{ flagged: number, rejected: number, truthShift: number, truthMask: number }} */
export const ROW = { flagged: 0, rejected: 0, truthShift: 0, truthMask: 0 };

/** Takes the bits a worker reported. */
export function setRowFlags(bits) {
  Object.assign(ROW, bits);
}

/** The label kind of a row's flags (0 none, 1 normal, 2 Neptune, 3 other attack, 4 a group). */
export function truthOf(flag) {
  return (flag >> ROW.truthShift) & ROW.truthMask;
}
