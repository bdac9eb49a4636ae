// The regulator's dashboard: sign-in, filters, hash-routed views. Every
// figure comes from GET /v1/summaries (docs/rates.md) with the filters as its
// parameters; region, skin type and training, which the API has as `by` keys
// rather than filters, are added to `by` and their rows kept here.
import { api, ApiError, signIn, signOut, whoami } from './api.js';
import { el } from './dom.js';
import { panel } from './table.js';
import { intervalChart, trendChart, forestChart, tileMap, barChart, legend, TILES } from './charts.js';
import { addAlertViews } from './alerts.js';

const $ = (id) => document.getElementById(id);
const REGIONS = TILES.map((t) => t[0]).sort();
const VIEWS = {};
let threshold = 5;

// ---- ISO weeks ---------------------------------------------------------------
function isoWeekOf(d) {
  const t = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
  const day = t.getUTCDay() || 7;
  t.setUTCDate(t.getUTCDate() + 4 - day);
  const y0 = new Date(Date.UTC(t.getUTCFullYear(), 0, 1));
  const w = Math.ceil(((t - y0) / 86400000 + 1) / 7);
  return `${t.getUTCFullYear()}-W${String(w).padStart(2, '0')}`;
}
function weekMonday(w) {
  const [y, n] = w.split('-W').map(Number);
  const jan4 = new Date(Date.UTC(y, 0, 4));
  const mon = new Date(jan4);
  mon.setUTCDate(jan4.getUTCDate() - ((jan4.getUTCDay() || 7) - 1) + (n - 1) * 7);
  return mon;
}
function addWeeks(w, k) {
  const d = weekMonday(w);
  d.setUTCDate(d.getUTCDate() + 7 * k);
  return isoWeekOf(d);
}
function weeksBetween(from, to) {
  const out = [];
  for (let w = from; out.length < 600; w = addWeeks(w, 1)) {
    out.push(w);
    if (w === to) break;
  }
  return out;
}

// ---- filters -------------------------------------------------------------------
function filters() {
  const f = Object.fromEntries(new FormData($('filters')).entries());
  for (const k of Object.keys(f)) f[k] = String(f[k]).trim();
  return f;
}

function readHashFilters() {
  const [, q] = location.hash.split('?');
  const p = new URLSearchParams(q || '');
  for (const [k, v] of p) {
    const input = $('filters').elements.namedItem(k);
    if (input) input.value = v;
  }
}

// The query for `by` under the current filters, and the row filter for the
// keys the API has no filter for.
export function summaryQuery(by, override = {}) {
  const f = { ...filters(), ...override };
  const keys = [...by];
  const local = [['region', 'region'], ['fitzpatrick', 'fitzpatrick'], ['training', 'training']]
    .filter(([k]) => f[k]);
  for (const [, key] of local) if (!keys.includes(key)) keys.push(key);
  const p = new URLSearchParams({ from: f.from, to: f.to, by: keys.join(',') });
  for (const k of ['setting', 'complication', 'complication_type']) if (f[k]) p.set(k, f[k]);
  const keep = (r) => local.every(([k, key]) => String(r[key]) === String(f[k]));
  return { url: `/v1/summaries?${p}`, keep };
}

async function summaries(by, override) {
  const q = summaryQuery(by, override);
  const data = await api(q.url);
  if (typeof data.suppression_threshold === 'number') threshold = data.suppression_threshold;
  offerChoices(data.rows || []);
  return { ...data, rows: (data.rows || []).filter(q.keep), url: q.url };
}

const RATE_COLUMNS = [
  { key: 'events', label: 'Events', small: true }, { key: 'procedures', label: 'Procedures' },
  { key: 'rate_per_1000', label: 'Rate per 1,000', num: 2 }, { key: 'ci95_low', label: '95% CI low', num: 2 },
  { key: 'ci95_high', label: '95% CI high', num: 2 }, { key: 'premises_reporting', label: 'Premises reporting' },
  { key: 'events_without_activity', label: 'Cases without a denominator', small: true },
];
const label = (s) => (s === null || s === undefined ? 'not recorded' : String(s).replace(/_/g, ' '));
const est = (r) => ({ est: r.rate_per_1000, lo: r.ci95_low, hi: r.ci95_high });
const sum = (rows, k) => rows.reduce((a, r) => a + (Number(r[k]) || 0), 0);

// ---- views -----------------------------------------------------------------------
VIEWS.overview = async (view) => {
  const f = filters();
  const lastFrom = addWeeks(f.from, -weeksBetween(f.from, f.to).length);
  const [now, trend, before] = await Promise.all([
    summaries(['setting']), summaries(['week', 'setting']),
    summaries(['setting'], { from: lastFrom, to: addWeeks(f.from, -1) }),
  ]);
  const rows = now.rows;
  const cases = sum(rows, 'events') + sum(rows, 'events_without_activity');
  const unreg = (now.unregistered || []).reduce((a, u) => a + (u.cases || 0), 0);
  const share = cases ? sum(rows, 'events_without_activity') / cases : 0;
  const cards = [
    ['reports', 'Cases reported (registered premises)', cases], ['unregistered', 'Cases at unregistered places', unreg],
    ['premises', 'Premises reporting activity', sum(rows, 'premises_reporting')],
    ['without', 'Cases without a denominator', `${(100 * share).toFixed(1)}%`],
  ];
  view.append(el('ul', { class: 'cards' }, cards.map(([k, t, v]) =>
    el('li', { 'data-card': k }, [el('span', { class: 'n' }, String(v)), t]))));
  const settings = rows.map((r) => r.setting);
  const prev = Object.fromEntries(before.rows.map((r) => [r.setting, r]));
  const compare = rows.map((r) => ({
    setting: r.setting, ...r, previous_events: prev[r.setting]?.events ?? null,
    previous_procedures: prev[r.setting]?.procedures ?? null,
    previous_rate_per_1000: prev[r.setting]?.rate_per_1000 ?? null,
    previous_ci95_low: prev[r.setting]?.ci95_low ?? null, previous_ci95_high: prev[r.setting]?.ci95_high ?? null,
  }));
  view.append(panel(`Rate per 1,000 procedures by setting, ${f.from} to ${f.to}, against the ${weeksBetween(f.from, f.to).length} weeks before`, 'rates-by-setting',
    intervalChart({
      title: 'Complication rate per 1,000 by setting with 95% intervals',
      desc: `Circles: ${f.from} to ${f.to}; squares: the same number of weeks before. The table below has every figure.`,
      categories: settings.map(label), xLabel: 'per 1,000 procedures',
      series: [{ name: 'this period', values: rows.map(est) },
        { name: 'period before', values: rows.map((r) => ({ est: prev[r.setting]?.rate_per_1000, lo: prev[r.setting]?.ci95_low, hi: prev[r.setting]?.ci95_high })) }],
    }),
    [{ key: 'setting', label: 'Setting' }, ...RATE_COLUMNS, { key: 'previous_events', label: 'Events, period before', small: true },
      { key: 'previous_procedures', label: 'Procedures, period before' },
      { key: 'previous_rate_per_1000', label: 'Rate, period before', num: 2 },
      { key: 'previous_ci95_low', label: 'CI low, period before', num: 2 },
      { key: 'previous_ci95_high', label: 'CI high, period before', num: 2 }],
    compare, threshold, 'Lines are 95% intervals.', legend([`${f.from} to ${f.to}`, 'the same number of weeks before'])));
  const weeks = weeksBetween(f.from, f.to);
  const bySetting = [...new Set(trend.rows.map((r) => r.setting))];
  view.append(panel('Weekly rate per 1,000 by setting, with 95% interval bands', 'weekly-trend',
    trendChart({
      title: 'Weekly complication rate per setting', yLabel: 'per 1,000 procedures',
      desc: `One line per setting (${bySetting.map(label).join(', ')}), shaded band the 95% interval.`,
      weeks, series: bySetting.map((s) => ({ name: s, points: trend.rows.filter((r) => r.setting === s).map((r) => ({ week: r.week, ...est(r) })) })),
    }),
    [{ key: 'week', label: 'Week' }, { key: 'setting', label: 'Setting' }, ...RATE_COLUMNS], trend.rows, threshold,
    'Shaded bands are 95% intervals.', legend(bySetting.map(label), true)));
};

VIEWS.settings = async (view) => {
  const data = await summaries(['complication', 'setting']);
  const rows = data.rows.filter((r) => r.setting !== 'medical_clinic');
  const plot = rows.filter((r) => r.rate_ratio !== null || r.rr_adjusted !== null).flatMap((r) => [
    { label: `${label(r.complication)} · ${label(r.setting)} · crude`, est: r.rate_ratio, lo: r.rr_ci95_low, hi: r.rr_ci95_high, colour: 0 },
    { label: `${label(r.complication)} · ${label(r.setting)} · adjusted`, est: r.rr_adjusted, lo: r.rr_adjusted_ci95_low, hi: r.rr_adjusted_ci95_high, colour: 1 },
  ]);
  view.append(panel('Rate ratios against medical clinics, crude and adjusted for skin type', 'rate-ratios',
    forestChart({ title: 'Forest plot of rate ratios against medical clinics', desc: 'Circles crude ratios, squares skin-type-adjusted (Mantel–Haenszel) ratios, lines 95% intervals; the dashed line is a ratio of 1.', rows: plot }),
    [{ key: 'complication', label: 'Complication group' }, { key: 'setting', label: 'Setting' },
      { key: 'events', label: 'Events', small: true }, { key: 'procedures', label: 'Procedures' },
      { key: 'rate_ratio', label: 'Crude ratio', num: 2 }, { key: 'rr_ci95_low', label: 'CI low', num: 2 }, { key: 'rr_ci95_high', label: 'CI high', num: 2 },
      { key: 'rr_adjusted', label: 'Adjusted ratio', num: 2 }, { key: 'rr_adjusted_ci95_low', label: 'CI low', num: 2 },
      { key: 'rr_adjusted_ci95_high', label: 'CI high', num: 2 }, { key: 'rr_haldane', label: 'Haldane correction' }],
    rows, threshold, 'Lines are 95% intervals. Groups without a ratio (no case on either side) are in the table only; no adjusted ratio where no usable skin type holds a case on one side.',
    legend(['crude', 'adjusted for skin type (Mantel–Haenszel)'])));
};

VIEWS.skin = async (view) => {
  const f = filters();
  const override = f.complication || f.complication_type ? {} : { complication: 'pigmentation' };
  const data = await summaries(['fitzpatrick', 'setting'], override);
  const settings = [...new Set(data.rows.map((r) => r.setting))];
  const types = [1, 2, 3, 4, 5, 6, null].filter((t) => data.rows.some((r) => r.fitzpatrick === t));
  const what = label(override.complication || f.complication || f.complication_type || 'any complication');
  view.append(panel(`${what[0].toUpperCase()}${what.slice(1)} by Fitzpatrick skin type and setting`, 'skin-type',
    intervalChart({
      title: 'Rate per 1,000 by Fitzpatrick type and setting', xLabel: 'per 1,000 procedures',
      desc: `One row per skin type; one marker per setting (${settings.map(label).join(', ')}).`,
      categories: types.map((t) => (t === null ? 'type not recorded' : `type ${['I', 'II', 'III', 'IV', 'V', 'VI'][t - 1]}`)),
      series: settings.map((s) => ({ name: s, values: types.map((t) => { const r = data.rows.find((x) => x.setting === s && x.fitzpatrick === t); return r ? est(r) : null; }) })),
    }),
    [{ key: 'fitzpatrick', label: 'Fitzpatrick type' }, { key: 'setting', label: 'Setting' }, ...RATE_COLUMNS], data.rows, threshold,
    f.complication ? 'Lines are 95% intervals.' : 'Pigmentation (PIH) unless a complication group or type is chosen in the filters. Lines are 95% intervals.',
    legend(settings.map(label))));
};

VIEWS.regions = async (view) => {
  const data = await summaries(['region']);
  const values = Object.fromEntries(data.rows.filter((r) => r.region).map((r) => [r.region,
    { value: r.rate_per_1000, label: r.rate_per_1000 === null ? `${r.events} events` : `${r.rate_per_1000.toFixed(2)} /1,000` }]));
  view.append(panel('Rate per 1,000 procedures by region (ITL1)', 'regions',
    tileMap({ title: 'Tile map of complication rates by ITL1 region', desc: 'Each tile is a region placed roughly where it lies; darker is higher; the rate is written on the tile.', values }),
    [{ key: 'region', label: 'Region' }, ...RATE_COLUMNS], data.rows, threshold));
};

VIEWS.unregistered = async (view) => {
  const data = await summaries(['setting', 'complication']);
  // Disproportionality without denominators: the share of a place's cases in
  // a group against that share among registered premises' cases (a
  // proportional reporting ratio). A case in two groups counts in both.
  const groups = (rows0) => rows0.filter((r) => r.complication && r.complication !== 'any');
  const reg = groups(data.rows);
  const regTotal = sum(reg, 'events') + sum(reg, 'events_without_activity');
  const regIn = (g) => reg.filter((r) => r.complication === g).reduce((a, r) => a + r.events + r.events_without_activity, 0);
  const unreg = groups(data.unregistered || []);
  const rows = unreg.map((u) => {
    const total = unreg.filter((x) => x.setting === u.setting).reduce((a, x) => a + x.cases, 0);
    const shareReg = regTotal ? regIn(u.complication) / regTotal : null;
    const share = total ? u.cases / total : null;
    return { ...u, share_of_place: share, share_registered: shareReg, prr: share !== null && shareReg ? share / shareReg : null };
  });
  view.append(panel('Cases at home devices and unregistered places (counts only: no denominator)', 'unregistered',
    barChart({ title: 'Cases at unregistered places by setting and complication', desc: 'Bar length is the number of cases.', xLabel: 'cases',
      categories: rows.map((r) => `${label(r.setting)} · ${label(r.complication)}`), values: rows.map((r) => r.cases) }),
    [{ key: 'setting', label: 'Setting as reported' }, { key: 'complication', label: 'Complication group' }, { key: 'cases', label: 'Cases', small: true },
      { key: 'share_of_place', label: 'Share of this place\'s cases', num: 3 }, { key: 'share_registered', label: 'Share at registered premises', num: 3 },
      { key: 'prr', label: 'Proportional reporting ratio', num: 2 }],
    rows, threshold, 'No rates: nobody reports how many procedures were done with home devices or at unregistered places. The proportional reporting ratio compares the share of a place\'s cases in a group with that share at registered premises: a signal to look at, not a rate.'));
};

VIEWS.completeness = async (view) => {
  const data = await summaries(['week', 'setting']);
  const rows = data.rows.map((r) => ({ ...r, cases: (r.events || 0) + (r.events_without_activity || 0),
    share_without: (r.events || 0) + (r.events_without_activity || 0) ? (r.events_without_activity || 0) / ((r.events || 0) + (r.events_without_activity || 0)) : null }));
  view.append(panel('Cases without a denominator, by week and setting', 'completeness',
    barChart({ title: 'Cases left out of the rates for want of activity', desc: 'Bar length is the number of cases whose premises sent no activity (or not the breakdown needed) for the week.', xLabel: 'cases without a denominator',
      categories: rows.map((r) => `${r.week} · ${label(r.setting)}`), values: rows.map((r) => r.events_without_activity || 0) }),
    [{ key: 'week', label: 'Week' }, { key: 'setting', label: 'Setting' }, { key: 'cases', label: 'Cases' },
      { key: 'events_without_activity', label: 'Without a denominator', small: true }, { key: 'share_without', label: 'Share', num: 3 },
      { key: 'premises_reporting', label: 'Premises reporting activity' }],
    rows, threshold, 'Cases of premises-weeks without activity are counted here but left out of the rates. The premises behind them are listed below.'));
  await ALERT_CTX.completenessLists(view);
};

// Premises, a premises' page, alerts and the completeness lists (alerts.js).
const ALERT_CTX = {
  filters, label, isoWeekOf, threshold: () => threshold,
  rerender: () => route(),
  setStatus: (text, state) => { $('status').textContent = text; document.body.dataset.rendered = state; },
};
addAlertViews(VIEWS, ALERT_CTX);
// Views reached from a link, not a tab: their title, and the tab they belong to.
const SUBVIEWS = { place: ['Premises', 'premises'], alert: ['Alert', 'alerts'] };

// ---- routing and sign-in -------------------------------------------------------
let rendering = 0;
async function route() {
  const name = (location.hash.slice(1).split('?')[0] || 'overview');
  const viewName = VIEWS[name] ? name : 'overview';
  const tab = SUBVIEWS[viewName]?.[1] ?? viewName;
  for (const a of document.querySelectorAll('nav a')) {
    if (a.dataset.view === tab) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
  }
  const token = ++rendering;
  const view = el('div', { 'data-view': viewName, 'aria-busy': 'true' });
  $('view').replaceChildren(view);
  $('status').textContent = 'Loading…';
  document.title = `${SUBVIEWS[viewName]?.[0] ?? document.querySelector(`nav a[data-view="${viewName}"]`).textContent} — Needlewatch`;
  try {
    await VIEWS[viewName](view);
    if (token !== rendering) return;
    $('status').textContent = '';
    view.setAttribute('aria-busy', 'false');
    document.body.dataset.rendered = viewName;
  } catch (e) {
    if (token !== rendering) return;
    if (e instanceof ApiError && e.status === 401) return showSignIn('Your session has ended: sign in again.');
    $('status').textContent = `Could not load this view: ${e.message}`;
    view.setAttribute('aria-busy', 'false');
    document.body.dataset.rendered = `${viewName}-error`;
  }
}

function showSignIn(message) {
  $('app').hidden = true;
  $('who').hidden = true;
  $('signin').hidden = false;
  $('signin-message').textContent = message || '';
  document.body.dataset.rendered = 'signin';
  $('token').focus();
}

// ---- the filters' choices -------------------------------------------------------
// Settings, complication groups, regions and skin types are closed lists (the
// schema's CHECKs, codes.h, in its order), so the selects are filled before
// anything is asked of the server and a view's first request waits for
// nothing; a setting or group the data holds beyond them is added when a view
// brings it (offerChoices). The complication types are the daemon's
// vocabulary: read with one by=complication_type call for the week range, and
// only when the type box is first used, never on the way to a first render.
const SETTINGS = ['medical_clinic', 'salon', 'mobile'];
const GROUPS = ['infection', 'pigmentation', 'scarring', 'granulomatous_allergic', 'inflammatory', 'neurological', 'other'];
let typesFor = '';  // the week range the types' list was read for

function addOptions(id, values, text = label) {
  const s = $(id);
  for (const v of values) if (![...s.options].some((o) => o.value === String(v))) s.append(el('option', { value: v }, text(v)));
}

function offerChoices(rows) {
  addOptions('f-setting', rows.map((r) => r.setting).filter((v) => typeof v === 'string'));
  addOptions('f-complication', rows.map((r) => r.complication).filter((c) => typeof c === 'string' && c !== 'any'));
}

function fillClosedChoices() {
  addOptions('f-setting', SETTINGS);
  addOptions('f-complication', GROUPS);
  addOptions('f-region', REGIONS, String);
  addOptions('f-fitz', [1, 2, 3, 4, 5, 6], (t) => `Type ${['I', 'II', 'III', 'IV', 'V', 'VI'][t - 1]}`);
}

async function offerTypes() {
  const f = filters();
  if (typesFor === `${f.from}/${f.to}`) return;
  typesFor = `${f.from}/${f.to}`;
  try {
    const types = await api(`/v1/summaries?${new URLSearchParams({ from: f.from, to: f.to, by: 'complication_type' })}`);
    const list = $('types');
    const have = new Set([...list.options].map((o) => o.value));
    for (const t of new Set(types.rows.map((r) => r.complication_type))) if (t && !have.has(t)) list.append(el('option', { value: t }));
  } catch {
    typesFor = '';  // asked again when the box is next used
  }
}

async function showApp(session) {
  $('signin').hidden = true;
  $('app').hidden = false;
  $('who').hidden = false;
  $('who-text').textContent = `Signed in as regulator account ${session.account}`;
  await route();
}

function init() {
  const to = isoWeekOf(new Date());
  $('f-to').value = to;
  $('f-from').value = addWeeks(to, -12);
  fillClosedChoices();
  readHashFilters();
  for (const ev of ['focus', 'input']) $('f-type').addEventListener(ev, offerTypes);
  $('signin-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const input = $('token');
    const token = input.value.trim();
    input.value = '';
    try {
      await showApp(await signIn(token));
    } catch (e) {
      const msg = e instanceof ApiError && e.status === 403 ? 'That token is not a regulator token: the dashboard is for regulators only.'
        : e instanceof ApiError && e.status === 401 ? 'That token was not recognised (wrong, revoked or mistyped). Check it and try again.'
          : `Sign-in failed: ${e.message}`;
      showSignIn(msg);
    }
  });
  $('signout').addEventListener('click', async () => {
    try { await signOut(); } catch { /* signed out either way */ }
    showSignIn('Signed out.');
  });
  $('filters').addEventListener('submit', (ev) => { ev.preventDefault(); route(); });
  window.addEventListener('hashchange', () => { if (!$('app').hidden) route(); });
  whoami().then(showApp, () => showSignIn(''));
}

init();
