// @ts-check
// What the wasm module defines for the page: the bits of a row's flags byte (a batch's `flags`),
// by name (`rowFlags()`, `row_flags` in src/score.rs), and how a file is cut into parts
// (`partPlan()`, src/parts.rs). The pool sets them from the workers' `ready` message, before any
// file is read.

/** @import { PartPlan, RowFlags } from './protocol.js' */

/** @type {RowFlags} */
export const ROW = { flagged: 0, rejected: 0, labelShift: 0, labelMask: 0 };

/** @type {PartPlan} */
export const PART_PLAN = { firstPartBytes: 0, minPartBytes: 0, partBytes: 0, lookBehindBytes: 0 };

/** Takes what a worker's `ready` message reported. */
export function setFromReady({ rowFlags, partPlan }) {
  Object.assign(ROW, rowFlags);
  Object.assign(PART_PLAN, partPlan);
}

/** The label kind of a row's flags (0 none, 1 normal, 2 Neptune, 3 other attack, 4 a group). */
export function labelKindOf(flag) {
  return (flag >> ROW.labelShift) & ROW.labelMask;
}
