// @ts-check
// The progress of the file being scored: a bar and a line of bytes, rows and flagged rows read so
// far. It shows only once a file has taken longer than PROGRESS_DELAY_MS, so that a small file
// never flashes one (nor pays for painting it), and is repainted at most every PAINT_MS however
// often the workers report: a repaint takes main-thread time the results need.
// The controller (app.js) says when a run starts and ends, and hands over its reports.

import { byId } from './dom.js';
import { formatBytes } from './views.js';

// Files scored faster than this never show a progress bar.
const PROGRESS_DELAY_MS = 120;
// The shortest time between two repaints of a shown box.
const PAINT_MS = 200;

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
    /** The pending repaint (a timeout), 0 when none. */
    this.repaint = 0;
    this.latest = null;
  }

  /** A file of `size` bytes is being scored: the box shows if it takes a while. */
  start(size) {
    this.size = size;
    this.latest = null;
    this.timer = setTimeout(() => {
      this.ui.box.hidden = false;
      this.paint();
    }, PROGRESS_DELAY_MS);
  }

  /**
   * How far the results handed over reach: painted within PAINT_MS once the box shows.
   * @param {{bytes: number, rows: number, flagged: number}} progress
   */
  update(progress) {
    this.latest = progress;
    if (this.ui.box.hidden || this.repaint) return;
    this.repaint = setTimeout(() => this.paint(), PAINT_MS);
  }

  /** Paints the latest report (none yet: an empty bar). */
  paint() {
    this.repaint = 0;
    const { ui, size, latest } = this;
    const { bytes, rows, flagged } = latest ?? { bytes: 0, rows: 0, flagged: 0 };
    ui.bar.value = size ? bytes / size : 1;
    ui.text.textContent =
      `${formatBytes(bytes)} of ${formatBytes(size)} · ` +
      `${rows.toLocaleString()} rows · ${flagged.toLocaleString()} flagged`;
  }

  /** The run is over, whichever way: nothing more is painted and the box goes. */
  stop() {
    clearTimeout(this.timer);
    clearTimeout(this.repaint);
    this.repaint = 0;
    this.ui.box.hidden = true;
  }

  /** Empties the box for the next run. */
  clear() {
    this.ui.bar.value = 0;
    this.ui.text.textContent = '';
    this.ui.box.hidden = true;
  }
}
