// SVG charts drawn here rather than by a vendored library: five small chart
// types (intervals, trend with band, forest plot, tile map, bars) need a few
// hundred lines, no build step and no third-party code under the CSP. Every
// chart is role="img" with a title and a description; the table under it
// is the full text alternative. Colours: the Okabe–Ito palette, safe for
// the common colour-vision deficiencies, always with a legend or labels.
import { el, svg } from './dom.js';

export const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#D55E00', '#56B4E9', '#F0E442', '#000000'];
const MARKS = ['●', '■'];

// The key to a chart's colours and markers, as text beside the swatches.
export function legend(names, lines = false) {
  const mark = (i) => (lines ? (i % 2 ? '- - -' : '——') : MARKS[i % 2]);
  return el('ul', { class: 'legend' }, names.map((n, i) =>
    el('li', {}, [el('span', { class: `swatch sw-${i % PALETTE.length}`, 'aria-hidden': 'true' }), `${mark(i)} ${n}`])));
}
let uid = 0;

// role: 'img', or 'group' for a chart holding links (an img's children are
// presentational, so links inside one would be hidden from assistive technology).
function frame(width, height, title, desc, role = 'img') {
  const id = `chart-${++uid}`;
  return svg('svg', {
    class: 'chart', viewBox: `0 0 ${width} ${height}`, width, height, role,
    'aria-labelledby': `${id}-t ${id}-d`,
  }, [svg('title', { id: `${id}-t` }, title), svg('desc', { id: `${id}-d` }, desc)]);
}

function niceMax(v) {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

function ticks(max, n = 5) {
  return Array.from({ length: n + 1 }, (_, i) => (max * i) / n);
}

const num = (v) => (typeof v === 'number' && Number.isFinite(v) ? v : null);

// Horizontal dot-and-whisker: categories down, one row per series within.
export function intervalChart({ title, desc, categories, series, xLabel }) {
  const rowH = 16, pad = 6, left = 190, right = 30, width = 720;
  const height = 40 + categories.length * (series.length * rowH + pad) + 10;
  const max = niceMax(Math.max(0, ...series.flatMap((s) => s.values.map((v) => num(v && v.hi) ?? num(v && v.est) ?? 0))));
  const x = (v) => left + ((width - left - right) * v) / max;
  const g = frame(width, height, title, desc);
  for (const t of ticks(max)) {
    g.append(svg('line', { class: 'grid', x1: x(t), x2: x(t), y1: 20, y2: height - 20 }));
    g.append(svg('text', { x: x(t), y: height - 6, 'text-anchor': 'middle' }, String(+t.toFixed(2))));
  }
  g.append(svg('text', { x: left, y: 13 }, xLabel));
  categories.forEach((c, ci) => {
    const y0 = 26 + ci * (series.length * rowH + pad);
    g.append(svg('text', { x: left - 8, y: y0 + (series.length * rowH) / 2 + 4, 'text-anchor': 'end' }, c));
    series.forEach((s, si) => {
      const v = s.values[ci];
      const y = y0 + si * rowH + rowH / 2;
      if (!v || num(v.est) === null) return;
      const colour = PALETTE[s.colour ?? si];
      if (num(v.lo) !== null && num(v.hi) !== null) {
        g.append(svg('line', { x1: x(v.lo), x2: x(v.hi), y1: y, y2: y, stroke: colour, 'stroke-width': 2 }));
      }
      g.append(svg(si % 2 ? 'rect' : 'circle', si % 2
        ? { x: x(v.est) - 4, y: y - 4, width: 8, height: 8, fill: colour }
        : { cx: x(v.est), cy: y, r: 4.5, fill: colour }));
    });
  });
  return g;
}

// Weekly trend per series, with its 95% interval as a band.
export function trendChart({ title, desc, weeks, series, yLabel }) {
  const width = 720, height = 280, left = 50, right = 40, top = 24, bottom = 40;
  const max = niceMax(Math.max(0, ...series.flatMap((s) => s.points.map((p) => num(p.hi) ?? num(p.est) ?? 0))));
  const x = (i) => left + (weeks.length <= 1 ? 0 : ((width - left - right) * i) / (weeks.length - 1));
  const y = (v) => height - bottom - ((height - top - bottom) * v) / max;
  const g = frame(width, height, title, desc);
  for (const t of ticks(max, 4)) {
    g.append(svg('line', { class: 'grid', x1: left, x2: width - right, y1: y(t), y2: y(t) }));
    g.append(svg('text', { x: left - 6, y: y(t) + 4, 'text-anchor': 'end' }, String(+t.toFixed(2))));
  }
  const step = Math.max(1, Math.ceil(weeks.length / 8));
  weeks.forEach((w, i) => {
    if (i % step === 0) g.append(svg('text', { x: x(i), y: height - bottom + 16, 'text-anchor': 'middle' }, w));
  });
  g.append(svg('text', { x: left, y: 14 }, yLabel));
  series.forEach((s, si) => {
    const colour = PALETTE[s.colour ?? si];
    const idx = s.points.map((p) => [weeks.indexOf(p.week), p]).filter(([i, p]) => i >= 0 && num(p.est) !== null);
    const withCi = idx.filter(([, p]) => num(p.lo) !== null && num(p.hi) !== null);
    if (withCi.length > 1) {
      const upper = withCi.map(([i, p]) => `${x(i)},${y(p.hi)}`);
      const lower = withCi.slice().reverse().map(([i, p]) => `${x(i)},${y(p.lo)}`);
      g.append(svg('polygon', { class: 'band', fill: colour, points: upper.concat(lower).join(' ') }));
    }
    if (idx.length > 1) {
      g.append(svg('polyline', { fill: 'none', stroke: colour, 'stroke-width': 2,
        'stroke-dasharray': si % 2 ? '6 3' : null, points: idx.map(([i, p]) => `${x(i)},${y(p.est)}`).join(' ') }));
    }
    for (const [i, p] of idx) g.append(svg('circle', { cx: x(i), cy: y(p.est), r: 3, fill: colour }));
  });
  return g;
}

// Forest plot of rate ratios on a log scale, with the line of no difference.
export function forestChart({ title, desc, rows }) {
  const rowH = 20, left = 320, right = 30, width = 780, top = 26;
  const height = top + rows.length * rowH + 30;
  const vals = rows.flatMap((r) => [r.lo, r.hi, r.est]).filter((v) => num(v) !== null && v > 0);
  const lo = Math.min(0.1, ...vals), hi = Math.max(10, ...vals);
  const l0 = Math.log10(lo), l1 = Math.log10(hi);
  const x = (v) => left + ((width - left - right) * (Math.log10(v) - l0)) / (l1 - l0);
  const g = frame(width, height, title, desc);
  for (let e = Math.ceil(l0); e <= Math.floor(l1); e++) {
    const v = 10 ** e;
    g.append(svg('line', { class: 'grid', x1: x(v), x2: x(v), y1: top - 6, y2: height - 24 }));
    g.append(svg('text', { x: x(v), y: height - 8, 'text-anchor': 'middle' }, String(v)));
  }
  g.append(svg('line', { class: 'ref', x1: x(1), x2: x(1), y1: top - 10, y2: height - 24 }));
  g.append(svg('text', { x: x(1) + 4, y: 12 }, 'rate ratio (log scale); 1 = same as medical clinics'));
  rows.forEach((r, i) => {
    const y = top + i * rowH + rowH / 2;
    g.append(svg('text', { x: left - 8, y: y + 4, 'text-anchor': 'end' }, r.label));
    if (num(r.est) === null || r.est <= 0) return;
    const colour = PALETTE[r.colour ?? 0];
    if (num(r.lo) > 0 && num(r.hi) > 0) {
      g.append(svg('line', { x1: x(r.lo), x2: x(r.hi), y1: y, y2: y, stroke: colour, 'stroke-width': 2 }));
    }
    g.append(svg(r.colour ? 'rect' : 'circle', r.colour
      ? { x: x(r.est) - 4, y: y - 4, width: 8, height: 8, fill: colour }
      : { cx: x(r.est), cy: y, r: 4.5, fill: colour }));
  });
  return g;
}

// The twelve ITL1 regions as a tile grid (roughly where they lie).
export const TILES = [
  ['Scotland', 1, 0], ['Northern Ireland', 0, 1], ['North East', 2, 1], ['North West', 1, 2],
  ['Yorkshire and The Humber', 2, 2], ['Wales', 0, 3], ['West Midlands', 1, 3], ['East Midlands', 2, 3],
  ['East of England', 3, 3], ['South West', 1, 4], ['London', 2, 4], ['South East', 3, 4],
];
const BLUES = ['#eff3ff', '#c6dbef', '#9ecae1', '#6baed6', '#3182bd', '#08519c'];

export function tileMap({ title, desc, values }) {
  const size = 110, gap = 6, width = 4 * (size + gap) + 10, height = 5 * (size * 0.62 + gap) + 10;
  const g = frame(width, height, title, desc);
  const max = Math.max(0, ...Object.values(values).map((v) => num(v.value) ?? 0));
  for (const [name, col, row] of TILES) {
    const v = values[name];
    const has = v && num(v.value) !== null;
    const k = has && max > 0 ? Math.min(BLUES.length - 1, Math.floor((v.value / max) * (BLUES.length - 1))) : 0;
    const x = 5 + col * (size + gap), y = 5 + row * (size * 0.62 + gap);
    const dark = has && k >= 4;
    g.append(svg('rect', { x, y, width: size, height: size * 0.62, rx: 4, fill: has ? BLUES[k] : '#ffffff', stroke: '#555' }));
    const words = name.replace('Yorkshire and The Humber', 'Yorkshire & Humber').split(' ');
    const line1 = words.slice(0, 2).join(' '), line2 = words.slice(2).join(' ');
    const fillText = dark ? '#ffffff' : '#111111';
    g.append(svg('text', { class: 'tile-label', x: x + 5, y: y + 15, fill: fillText }, line1));
    if (line2) g.append(svg('text', { class: 'tile-label', x: x + 5, y: y + 28, fill: fillText }, line2));
    g.append(svg('text', { x: x + 5, y: y + size * 0.62 - 8, fill: fillText, 'font-weight': 700 }, has ? v.label : 'no data'));
  }
  return g;
}

// Horizontal bars for counts.
export function barChart({ title, desc, categories, values, xLabel }) {
  const rowH = 20, left = 260, right = 40, width = 720, height = 30 + categories.length * rowH + 24;
  const max = niceMax(Math.max(0, ...values));
  const x = (v) => left + ((width - left - right) * v) / max;
  const g = frame(width, height, title, desc);
  for (const t of ticks(max)) {
    g.append(svg('line', { class: 'grid', x1: x(t), x2: x(t), y1: 20, y2: height - 20 }));
    g.append(svg('text', { x: x(t), y: height - 6, 'text-anchor': 'middle' }, String(+t.toFixed(1))));
  }
  g.append(svg('text', { x: left, y: 13 }, xLabel));
  categories.forEach((c, i) => {
    const y = 24 + i * rowH;
    g.append(svg('text', { x: left - 8, y: y + 13, 'text-anchor': 'end' }, c));
    g.append(svg('rect', { x: left, y: y + 2, width: Math.max(0, x(values[i]) - left), height: rowH - 6, fill: PALETTE[0] }));
    g.append(svg('text', { x: x(values[i]) + 4, y: y + 13 }, String(values[i])));
  });
  return g;
}

// Funnel plot: premises' rates against their procedures, the server's
// control limits as lines, each dot a link (keyboard-focusable).
export function funnelChart({ title, desc, points, limits, limitKeys, xLabel, yLabel }) {
  const width = 720, height = 320, left = 60, right = 20, top = 24, bottom = 40;
  const xs = points.map((p) => p.x).concat(limits.map((l) => l.x)).filter((v) => num(v) !== null);
  const ys = points.map((p) => p.y).concat(limits.flatMap((l) => limitKeys.map((k) => l[k]))).filter((v) => num(v) !== null);
  const xMax = niceMax(Math.max(0, ...xs)), yMax = niceMax(Math.max(0, ...ys));
  const x = (v) => left + ((width - left - right) * v) / xMax;
  const y = (v) => height - bottom - ((height - top - bottom) * Math.min(v, yMax)) / yMax;
  const g = frame(width, height, title, desc, 'group');
  for (const t of ticks(yMax, 4)) {
    g.append(svg('line', { class: 'grid', x1: left, x2: width - right, y1: y(t), y2: y(t) }));
    g.append(svg('text', { x: left - 6, y: y(t) + 4, 'text-anchor': 'end' }, String(+t.toFixed(2))));
  }
  for (const t of ticks(xMax, 5)) g.append(svg('text', { x: x(t), y: height - bottom + 16, 'text-anchor': 'middle' }, String(+t.toFixed(0))));
  g.append(svg('text', { x: left, y: 14 }, `${yLabel} against ${xLabel}`));
  // limitKeys come in pairs (lower, upper) per level: one colour and dash per pair.
  limitKeys.forEach((k, i) => {
    const level = Math.floor(i / 2);
    const pts = limits.filter((l) => num(l.x) !== null && num(l[k]) !== null).map((l) => `${x(l.x)},${y(l[k])}`);
    if (pts.length > 1) g.append(svg('polyline', { fill: 'none', stroke: PALETTE[1 + (level % 4)], 'stroke-dasharray': level % 2 ? '6 3' : null, 'data-limit': k, points: pts.join(' ') }));
  });
  for (const p of points) {
    if (num(p.x) === null || num(p.y) === null) continue;
    // An outlier is a square as well as a colour: never colour alone.
    const mark = p.outlier
      ? svg('rect', { x: x(p.x) - 5, y: y(p.y) - 5, width: 10, height: 10, fill: PALETTE[4] }, [svg('title', {}, p.label)])
      : svg('circle', { cx: x(p.x), cy: y(p.y), r: 5, fill: PALETTE[0] }, [svg('title', {}, p.label)]);
    g.append(svg('a', { href: p.href, 'aria-label': `${p.label}: ${p.y} at ${p.x}`, 'data-premises': p.code }, [mark]));
  }
  return g;
}
