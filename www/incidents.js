// @ts-check
// The incidents of a Zeek conn.log: its flagged connections grouped and named by the library
// (src/zeek/incidents.rs; the summary's `zeek`), shown as a table, largest first, with a strip of
// flagged connections per second for the largest. Nothing is computed here but the drawing.

import { make, svgNode } from './dom.js';

/** Incidents listed; the summary keeps more, and counts them all. */
const SHOWN = 20;
/** The largest incidents that get a timeline strip. */
const TIMELINES = 5;
/** Seconds the library keeps per timeline (`TIMELINE_SECONDS`): the last bar holds the rest. */
const TIMELINE_SECONDS = 600;
const STRIP = { width: 120, height: 28 };

const PATTERNS = { SynFlood: 'SYN flood', Scan: 'Scan', Retries: 'Retries', Burst: 'Burst' };
const COLUMNS = ['Pattern', 'Start', 'End', 'Connections', 'Sources', 'Destination', 'Source', 'Per second'];

/** The incidents section for `zeek` (a conn.log's summary part), flagged at `threshold`. */
export function incidentsView(zeek, threshold) {
  const section = make('section', { className: 'card incidents' });
  section.dataset.testid = 'incidents';
  section.dataset.total = String(zeek.incidentsTotal);
  section.setAttribute('aria-labelledby', 'incidents-title');
  section.append(
    make('h2', { id: 'incidents-title', text: 'Incidents' }),
    make('p', {
      text: 'The model was trained on normal traffic against Neptune SYN floods only. On Zeek data it flags ' +
        'bursts of failed TCP handshakes: SYN floods, but also scans and devices retrying a server that does ' +
        `not answer. Here the connections flagged at threshold ${threshold.toFixed(3)} are grouped by ` +
        'destination, and each group’s pattern says which it is.',
    }),
  );
  const { incidents, incidentsTotal: total } = zeek;
  if (total === 0) {
    section.append(make('p', { className: 'note', text: 'No connection was flagged: no incidents.' }));
    return section;
  }
  const listed = incidents.slice(0, SHOWN);
  // When every incident listed falls on one day, the caption names it and the cells hold times.
  const days = new Set(listed.flatMap(({ start, end }) => [utc(start)?.slice(0, 10), utc(end)?.slice(0, 10)]));
  const day = days.size === 1 ? [...days][0] ?? null : null;
  const table = make('table', { className: 'data-table incidents-table' });
  table.append(make('caption', { text: `Incidents, largest first; times in UTC${day ? `, on ${day}` : ''}` }));
  const head = make('tr');
  for (const name of COLUMNS) head.append(make('th', { text: name, scope: 'col' }));
  table.append(make('thead'), make('tbody'));
  table.tHead.append(head);
  listed.forEach((incident, i) => table.tBodies[0].append(incidentRow(incident, i < TIMELINES, day !== null)));
  const wrap = make('div', { className: 'incidents-wrap' });
  wrap.append(table);
  const shown = listed.length;
  const more = make('p', {
    className: 'note',
    text: shown === total
      ? `${count(total, 'incident')} in all. `
      : `The ${shown.toLocaleString()} largest of ${count(total, 'incident')} are shown. `,
  });
  more.append(make('code', { text: 'neptune score FILE --incidents incidents.csv' }), ' writes them as CSV.');
  section.append(wrap, more);
  return section;
}

function incidentRow(incident, withTimeline, oneDay) {
  const tr = make('tr');
  tr.dataset.pattern = incident.pattern;
  const start = utc(incident.start);
  const end = utc(incident.end);
  const strip = make('td');
  if (withTimeline) strip.append(timeline(incident));
  // The pattern, and under it the library's plain sentence saying what it is and why.
  const pattern = make('th', { scope: 'row' });
  pattern.append(
    make('strong', { text: PATTERNS[incident.pattern] ?? incident.pattern }),
    make('span', { className: 'incident-description', text: incident.description }),
  );
  tr.append(
    pattern,
    timeCell(start, oneDay ? start.slice(11) : start),
    // The end's date only when it is not the start's.
    timeCell(end, oneDay || (start && end?.slice(0, 10) === start.slice(0, 10)) ? end.slice(11) : end),
    make('td', { className: 'num', text: incident.connections.toLocaleString() }),
    make('td', { className: 'num', text: incident.sources.toLocaleString() }),
    make('td', { text: incident.destination }),
    make('td', { text: incident.source ?? '—' }),
    strip,
  );
  return tr;
}

/** `seconds` since 1970 as ISO 8601 in UTC, to the millisecond (as the CLI writes it), or null. */
function utc(seconds) {
  const date = new Date(Math.round(seconds * 1000));
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

/** A time cell showing `shown` of ISO time `full` (`YYYY-MM-DD HH:MM:SS`, or less), to the second. */
function timeCell(full, shown) {
  const td = make('td', { className: 'num' });
  if (full === null) return td;
  const time = make('time', { text: shown.slice(0, shown.indexOf('.')).replace('T', ' ') });
  time.dateTime = full;
  time.title = full;
  td.append(time);
  return td;
}

/** A bar per second of the incident's flagged connections, heights relative to its busiest second. */
function timeline({ perSecond: counts, start, end }) {
  const peak = Math.max(1, ...counts);
  const step = STRIP.width / Math.max(counts.length, 1);
  const svg = svgNode('svg', {
    viewBox: `0 0 ${STRIP.width} ${STRIP.height}`, width: STRIP.width, height: STRIP.height, role: 'img', class: 'timeline',
  });
  svg.dataset.testid = 'timeline';
  const rest = counts.length === TIMELINE_SECONDS && end - start >= TIMELINE_SECONDS ? '; the last bar holds the rest' : '';
  const title = svgNode('title');
  title.textContent = `Flagged connections per second over ${count(counts.length, 'second')}, at most ${peak.toLocaleString()} in one${rest}`;
  svg.append(title, svgNode('line', { x1: 0, x2: STRIP.width, y1: STRIP.height - 0.5, y2: STRIP.height - 0.5, class: 'timeline-axis' }));
  counts.forEach((n, i) => {
    if (n === 0) return;
    const h = Math.max(1.5, ((STRIP.height - 1) * n) / peak);
    svg.append(svgNode('rect', {
      x: (i * step).toFixed(2), y: (STRIP.height - 1 - h).toFixed(2), width: Math.max(step - 1, 0.6).toFixed(2), height: h.toFixed(2),
    }));
  });
  return svg;
}

function count(n, noun) {
  return `${n.toLocaleString()} ${noun}${n === 1 ? '' : 's'}`;
}
