// Element builders: text goes in as text nodes, never as HTML.
const SVG = 'http://www.w3.org/2000/svg';

function fill(node, attrs, kids) {
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v !== undefined && v !== null && v !== false) node.setAttribute(k, v === true ? '' : String(v));
  }
  for (const k of [].concat(kids ?? [])) {
    if (k === null || k === undefined || k === false) continue;
    node.append(k instanceof Node ? k : document.createTextNode(String(k)));
  }
  return node;
}

export function el(tag, attrs, kids) {
  return fill(document.createElement(tag), attrs, kids);
}

export function svg(tag, attrs, kids) {
  return fill(document.createElementNS(SVG, tag), attrs, kids);
}
