// @ts-check
// The progress of the file being scored: a bar and a line of bytes, rows and flagged rows read so
// far. It shows only once a file has taken longer than PROGRESS_DELAY_MS, so that a small file
// never flashes one, and is repainted at most once a frame however often the workers report.
// The controller (app.js) says when a run starts and ends, and hands over its reports.

import { byId } from './dom.js';
import { formatBytes } from './views.js';

// Files scored faster than this never show a progress bar.
const PROGRESS_DELAY_MS = 120;

/** The progress box of one run at a time. */
export class ProgressView {
  constructor() {
    this.ui = {
      box: byId('progress-box'),
      bar: /** @type {HTMLProgressElement} */ (byId('progress')),
      text: byId('progress-text'),
    };
    this.size = 0;
    this.timer = 0;
    this.frame = 0;
    this.latest = null;
  }

  /** A file of `size` bytes is being scored: the box shows if it takes a while. */
  start(size) {
    this.size = size;
    this.latest = null;
    this.timer = setTimeout(() => {
      this.ui.box.hidden = false;
    }, PROGRESS_DELAY_MS);
  }

  /**
   * How far the results handed over reach, painted on the next frame.
   * @param {{bytes: number, rows: number, flagged: number}} progress
   */
  update(progress) {
    this.latest = progress;
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      const { bytes, rows, flagged } = this.latest;
      const { ui, size } = this;
      ui.bar.value = size ? bytes / size : 1;
      ui.text.textContent =
        `${formatBytes(bytes)} of ${formatBytes(size)} · ` +
        `${rows.toLocaleString()} rows · ${flagged.toLocaleString()} flagged`;
    });
  }

  /** The run is over, whichever way: nothing more is painted and the box goes. */
  stop() {
    clearTimeout(this.timer);
    cancelAnimationFrame(this.frame);
    this.frame = 0;
    this.ui.box.hidden = true;
  }

  /** Empties the box for the next run. */
  clear() {
    this.ui.bar.value = 0;
    this.ui.text.textContent = '';
    this.ui.box.hidden = true;
  }
}
