// @ts-check
// Small DOM helpers shared by the views: the page's elements by id, plain elements with text set
// through textContent (never markup), the figure tiles, and SVG elements.

const SVG = 'http://www.w3.org/2000/svg';

/**
 * The page's element with id `id` (null when there is none).
 * @param {string} id
 */
export function byId(id) {
  return document.getElementById(id);
}

/**
 * An element `tag` with an optional class, text, id and (for a header cell) scope.
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {{className?: string, text?: string, id?: string, scope?: string}} [options]
 * @returns {HTMLElementTagNameMap[K]}
 */
export function make(tag, { className, text, id, scope } = {}) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  if (id) node.id = id;
  if (scope) /** @type {HTMLTableCellElement} */ (node).scope = scope;
  return node;
}

/**
 * A figure tile: a large value above its label.
 * @param {string} value
 * @param {string} label
 */
export function figure(value, label) {
  const div = make('div', { className: 'figure' });
  div.append(make('span', { className: 'figure-value', text: value }), make('span', { className: 'figure-label', text: label }));
  return div;
}

/**
 * An SVG element `name` with `attributes` set.
 * @param {string} name
 * @param {Record<string, string | number>} [attributes]
 */
export function svgNode(name, attributes = {}) {
  const element = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, String(value));
  return element;
}
