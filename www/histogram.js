// @ts-check
// The score histogram: 20 bins over [0, 1] as an SVG built with DOM calls, the threshold marked.
// Heights are on a log scale and every non-empty bar carries its count, so a handful of rows in a
// bin next to ten thousand in another still shows.

import { svgNode as node } from './dom.js';

const WIDTH = 640;
const HEIGHT = 270;
const MARGIN = { top: 34, right: 14, bottom: 44, left: 14 };

/** Draws `counts` (one per bin, bins of equal width over [0, 1]) into `container`. */
export function drawHistogram(container, counts, threshold) {
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const bins = counts.length;
  const binWidth = plotWidth / bins;
  const largest = Math.max(1, ...counts);
  const height = (count) =>
    count === 0 ? 0 : Math.max(3, (plotHeight * Math.log1p(count)) / Math.log1p(largest));
  const x = (score) => MARGIN.left + score * plotWidth;
  const baseline = MARGIN.top + plotHeight;

  const total = counts.reduce((a, b) => a + b, 0);
  const atOrAbove = counts.reduce((sum, c, i) => sum + ((i + 1) / bins > threshold ? c : 0), 0);
  const svg = node('svg', {
    viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
    role: 'img',
    class: 'histogram-svg',
  });
  svg.append(
    text(
      node('title'),
      `Scores of ${total.toLocaleString()} rows in ${bins} bins; threshold ${threshold.toFixed(3)}; ` +
        `${atOrAbove.toLocaleString()} rows in bins reaching above it.`,
    ),
  );

  counts.forEach((count, i) => {
    const low = i / bins;
    const high = (i + 1) / bins;
    const side = low >= threshold ? 'attack' : high <= threshold ? 'normal' : 'mixed';
    const h = height(count);
    const bar = node('rect', {
      x: x(low) + 1.5,
      y: baseline - h,
      width: binWidth - 3,
      height: h,
      class: `bar bar-${side}`,
    });
    bar.append(text(node('title'), `${low.toFixed(2)}–${high.toFixed(2)}: ${count.toLocaleString()} rows`));
    svg.append(bar);
    if (count > 0) {
      svg.append(
        text(
          node('text', { x: x(low) + binWidth / 2, y: baseline - h - 5, class: 'bar-count' }),
          compact(count),
        ),
      );
    }
  });

  svg.append(node('line', { x1: MARGIN.left, x2: WIDTH - MARGIN.right, y1: baseline, y2: baseline, class: 'axis' }));
  for (const tick of [0, 0.25, 0.5, 0.75, 1]) {
    svg.append(node('line', { x1: x(tick), x2: x(tick), y1: baseline, y2: baseline + 5, class: 'axis' }));
    const anchor = tick === 0 ? 'start' : tick === 1 ? 'end' : 'middle';
    svg.append(
      text(node('text', { x: x(tick), y: baseline + 19, class: 'tick', 'text-anchor': anchor }), String(tick)),
    );
  }
  svg.append(
    text(
      node('text', { x: WIDTH / 2, y: HEIGHT - 4, class: 'axis-title', 'text-anchor': 'middle' }),
      'attack score → (normal at left, Neptune at right)',
    ),
  );

  const tx = x(threshold);
  svg.append(node('line', { x1: tx, x2: tx, y1: MARGIN.top - 16, y2: baseline, class: 'threshold' }));
  const labelRight = threshold < 0.7;
  svg.append(
    text(
      node('text', {
        x: tx + (labelRight ? 6 : -6),
        y: MARGIN.top - 20,
        class: 'threshold-label',
        'text-anchor': labelRight ? 'start' : 'end',
      }),
      `threshold ${threshold.toFixed(3)}`,
    ),
  );
  container.replaceChildren(svg);
}

function text(element, content) {
  element.textContent = content;
  return element;
}

/** 12, 980, 10.8k, 1.2M: short enough to sit above a bar. */
function compact(count) {
  if (count < 1000) return String(count);
  if (count < 1e6) return `${(count / 1e3).toFixed(count < 1e4 ? 1 : 0)}k`;
  return `${(count / 1e6).toFixed(count < 1e7 ? 1 : 0)}M`;
}
