// Tables and CSV: every chart's data is shown as a table, and its CSV
// download carries exactly the table's rows and columns (numbers unrounded).
import { el } from './dom.js';

// columns: [{key, label, num?: digits, small?: true (mark 1..threshold-1), href?: (row) => url}]
export function fmt(v, digits) {
  if (v === null || v === undefined || v === '') return '—';
  if (typeof v === 'number' && digits !== undefined) return v.toFixed(digits);
  return String(v);
}

export function isSmall(v, threshold) {
  return typeof v === 'number' && v >= 1 && threshold && v < threshold;
}

export function dataTable(caption, columns, rows, threshold) {
  const head = el('tr', {}, columns.map((c) => el('th', { scope: 'col' }, c.label)));
  const body = rows.map((r) => el('tr', {}, columns.map((c, i) => {
    const v = r[c.key];
    const text = fmt(v, c.num);
    const attrs = { 'data-key': c.key, 'data-value': v === null || v === undefined ? '' : String(v) };
    if (typeof v === 'number') attrs.class = 'num';
    // c.href(row): the cell is a link (a premises' page, an alert's evidence).
    const href = c.href && v !== null && v !== undefined ? c.href(r) : null;
    const kids = [href ? el('a', { href }, text) : text];
    if (c.small && isSmall(v, threshold)) {
      kids.push(el('span', { class: 'small-mark', title: 'suppressed in the public tables' }, ' †'));
    }
    return i === 0 ? el('th', { scope: 'row', ...attrs }, kids) : el('td', attrs, kids);
  })));
  // A table wider than the screen scrolls: the region takes the keyboard
  // focus so it can be scrolled without a mouse (axe: scrollable-region-focusable).
  const label = typeof caption === 'string' ? caption : 'table';
  return el('div', { class: 'tablewrap', tabindex: '0', role: 'region', 'aria-label': label },
    [el('table', { class: 'data' }, [
    el('caption', {}, caption), el('thead', {}, [head]), el('tbody', {}, body)])]);
}

function csvCell(v) {
  if (v === null || v === undefined) return '';
  const s = String(v);
  return /[",\r\n]/.test(s) || /^[=+\-@]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv(columns, rows) {
  const lines = [columns.map((c) => csvCell(c.key)).join(',')];
  for (const r of rows) lines.push(columns.map((c) => csvCell(r[c.key])).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

export function csvButton(name, columns, rows) {
  const b = el('button', { type: 'button', class: 'csv', 'data-csv': name }, `Download CSV (${name}.csv)`);
  b.addEventListener('click', () => {
    const url = URL.createObjectURL(new Blob([toCsv(columns, rows)], { type: 'text/csv' }));
    const a = el('a', { href: url, download: `${name}.csv` });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  });
  return b;
}

// A chart, its table and its download, as one figure.
export function panel(title, name, svg, columns, rows, threshold, note, key) {
  const kids = [el('figcaption', { id: `cap-${name}` }, title)];
  if (key) kids.push(key);
  if (svg) kids.push(svg);
  if (note) kids.push(el('p', { class: 'note' }, note));
  kids.push(dataTable(`${title}: data`, columns, rows, threshold));
  kids.push(el('div', { class: 'actions' }, [csvButton(name, columns, rows)]));
  return el('figure', { 'data-panel': name }, kids);
}
