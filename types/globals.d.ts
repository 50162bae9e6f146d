// Properties on window outside the DOM typings: the page's test hook, and what the browser tests
// and the bench set in the page (in functions passed to page.evaluate or addInitScript).

interface Window {
  /**
   * www/app.js, for tests: `ready` resolves once every scorer worker is ready. The tests and the
   * bench also accept a boolean there, hence any.
   */
  readonly __neptune: { readonly ready: any };
  /** scripts/bench/browser.mjs: the run stamps and long tasks of `benchInit`. */
  __bench: {
    longtasks: { start: number; duration: number }[];
    longtaskSupported: boolean;
    readyAt: number | null;
    armed: boolean;
    t0: number | null;
    tDone: number | null;
    endState: string | null;
  };
  /** tests/e2e/chunks.test.mjs: file reads that returned less than asked. */
  __e2eShortReads: number;
  /** tests/e2e/parts.test.mjs: later parts that sent rows, and `unsplit` answers. */
  __parts: { later: number[]; unsplit: number; heads: number };
  /** tests/e2e/harness.mjs's trackStates: the summary's data-state values, and their observer. */
  __e2eStates: (string | null)[];
  __e2eObserver: MutationObserver;
  /** tests/e2e/robustness.test.mjs: set only by markup from a file that ran. */
  __e2ePwned?: number;
}
