// The premises-level views (regulators only, never public): the funnel plot,
// a premises' page, the alerts with their evidence, and the completeness
// lists. Their data: GET /v1/funnel, GET /v1/premises/{code}/weeks,
// GET /v1/alerts[/{id}], POST /v1/alerts/{id} and GET /v1/completeness.
// Field names are the API's; tables and CSVs use them as they come.
import { api, ApiError } from './api.js';
import { el } from './dom.js';
import { panel } from './table.js';
import { funnelChart, trendChart, barChart, legend } from './charts.js';

const SETTINGS = ['medical_clinic', 'salon', 'mobile'];
const LIMIT_KEYS = ['lower_95', 'upper_95', 'lower_998', 'upper_998'];
const placeHref = (code) => `#place?code=${encodeURIComponent(code)}`;
const alertHref = (id) => `#alert?id=${encodeURIComponent(id)}`;
const hashParam = (k) => new URLSearchParams(location.hash.split('?')[1] || '').get(k);

function unavailable(view, what) {
  view.append(el('p', { class: 'unavailable', 'data-unavailable': what }, 'Alerts are not available on this server (it has no alerts or funnel routes).'));
}

// api(), with a 404 (an older server without the route) as null.
async function optional(path) {
  try {
    return await api(path);
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return null;
    throw e;
  }
}

const ALERT_COLUMNS = [
  { key: 'id', label: 'Alert', href: (a) => alertHref(a.id) }, { key: 'created_at', label: 'Raised' },
  { key: 'rule', label: 'Rule' }, { key: 'kind', label: 'Kind' }, { key: 'level', label: 'Level' },
  { key: 'state', label: 'State' }, { key: 'premises_code', label: 'Premises', href: (a) => placeHref(a.premises_code) },
  { key: 'setting', label: 'Setting' }, { key: 'exposure', label: 'Exposure' },
  { key: 'complication_group', label: 'Complication group' }, { key: 'complication_type', label: 'Complication type' },
  { key: 'first_week', label: 'First week' }, { key: 'last_week', label: 'Last week' },
  { key: 'observed', label: 'Observed', small: true }, { key: 'expected', label: 'Expected', num: 2 },
  { key: 'procedures', label: 'Procedures' }, { key: 'p_value', label: 'p', num: 5 },
  { key: 'score', label: 'Score', num: 4 }, { key: 'threshold', label: 'Threshold', num: 5 },
];

export function addAlertViews(VIEWS, ctx) {
  const { filters, label, threshold, isoWeekOf, rerender, setStatus } = ctx;

  // One funnel per setting (the chosen one, or each registered setting): a
  // premises is compared with its own setting's pooled rate.
  VIEWS.premises = async (view) => {
    const f = filters();
    for (const setting of f.setting ? [f.setting] : SETTINGS) {
      const q = new URLSearchParams({ setting, complication: f.complication || 'any', from: f.from, to: f.to });
      const data = await optional(`/v1/funnel?${q}`);
      if (!data) return unavailable(view, 'funnel');
      const points = (data.points || []).map((p) => ({ ...p, rate_per_1000: 1000 * p.rate }));
      const limits = (data.limits || []).map((l) => ({ x: l.procedures, ...Object.fromEntries(LIMIT_KEYS.map((k) => [k, 1000 * l[k]])) }));
      const name = `funnel-${setting}`;
      const chart = points.length ? funnelChart({
        title: `Funnel plot, ${label(setting)}: each premises' rate against its procedures`,
        desc: `One mark per premises (a square: above the 99.8% limit); lines: the 95% and 99.8% limits around the pooled rate of ${(1000 * data.pooled_rate).toFixed(2)} per 1,000. Each mark links to the premises' page.`,
        points: points.map((p) => ({ x: p.procedures, y: p.rate_per_1000, outlier: p.outlier, code: p.premises_code, label: `${p.premises_code}, ${p.cases} cases`, href: placeHref(p.premises_code) })),
        limits, limitKeys: LIMIT_KEYS, xLabel: 'procedures', yLabel: 'cases per 1,000 procedures',
      }) : null;
      view.append(panel(`${label(setting)}: ${label(data.complication)} complications per 1,000 procedures, ${data.from} to ${data.to} (funnel plot)`, name, chart,
        [{ key: 'premises_code', label: 'Premises', href: (p) => placeHref(p.premises_code) }, { key: 'cases', label: 'Cases', small: true },
          { key: 'procedures', label: 'Procedures' }, { key: 'rate', label: 'Rate', num: 5 }, { key: 'rate_per_1000', label: 'Rate per 1,000', num: 2 },
          { key: 'lower_95', label: '95% lower', num: 5 }, { key: 'upper_95', label: '95% upper', num: 5 },
          { key: 'lower_998', label: '99.8% lower', num: 5 }, { key: 'upper_998', label: '99.8% upper', num: 5 },
          { key: 'outlier', label: 'Above 99.8%' }],
        points, threshold(), points.length ? `Pooled rate ${data.pooled_rate}; over-dispersion φ = ${Number(data.phi).toFixed(2)}${data.adjusted ? ' (the limits in the table are exact; random-effects limits are in the API answer)' : ''}. Premises-level results: regulators only, never published.`
          : 'No premises of this setting reported activity and a case in these weeks.',
        points.length ? legend(['95% limits', '99.8% limits'], true) : null));
    }
  };

  // A premises' page: its weeks, its alerts, its completeness.
  VIEWS.place = async (view) => {
    const code = hashParam('code') || '';
    const f = filters();
    const data = await optional(`/v1/premises/${encodeURIComponent(code)}/weeks?${new URLSearchParams({ from: f.from, to: f.to })}`);
    if (!data) {
      view.append(el('p', { class: 'unavailable', 'data-unavailable': 'premises' }, `No premises has the code ${code}.`));
      return;
    }
    const p = data.premises;
    const c = data.completeness;
    view.append(el('h2', { id: 'place-title' }, `${p.name} (${p.code})`));
    view.append(el('p', {}, `${label(p.setting)}${p.region ? `, ${p.region}` : ''}${p.postcode_district ? `, ${p.postcode_district}` : ''}${p.closed_on ? `; closed from ${p.closed_on}` : ''}. Premises-level figures: regulators only, never published.`));
    view.append(el('ul', { class: 'cards' }, [
      ['weeks-without', 'Weeks without activity', `${c.weeks_without_activity.length} of ${c.weeks}`],
      ['reports', 'Reports (counting versions)', c.reports], ['review', 'Awaiting vocabulary review', c.awaiting_review],
      ['late', `Late (first sent over ${data.late_after_days} days after the week)`, c.late],
    ].map(([k, t, v]) => el('li', { 'data-card': k }, [el('span', { class: 'n' }, String(v)), t]))));
    const weeks = data.weeks || [];
    view.append(panel(`Weekly reports and activity, ${data.from} to ${data.to}`, 'place-weeks',
      barChart({ title: 'Reports sent per week', desc: 'Bar length is the number of reports (counting versions) for procedures in that week; the table has the activity too.', xLabel: 'reports',
        categories: weeks.map((w) => `${w.week}${w.has_activity ? '' : ' (no activity)'}`), values: weeks.map((w) => w.reports) }),
      [{ key: 'week', label: 'Week' }, { key: 'has_activity', label: 'Activity sent' }, { key: 'procedures', label: 'Procedures' },
        { key: 'reports', label: 'Reports' }, { key: 'cases', label: 'Cases (procedures done here)', small: true },
        { key: 'awaiting_review', label: 'Awaiting review' }, { key: 'late', label: 'Late' }],
      weeks, threshold(), c.weeks_without_activity.length ? `No activity sent for ${c.weeks_without_activity.join(', ')}: those weeks' cases have no denominator.` : 'Activity was sent for every week.'));
    const all = await optional('/v1/alerts');
    const alerts = (all?.alerts || []).filter((a) => a.premises_code === p.code);
    view.append(panel(`Alerts of ${p.code}, newest first`, 'place-alerts', null, ALERT_COLUMNS, alerts, threshold(),
      alerts.length ? 'Follow an alert for its evidence, its history and to acknowledge or close it.' : 'No alert has been raised for this premises.'));
  };

  // The open alerts, newest first, within the filters' weeks, setting and group.
  VIEWS.alerts = async (view) => {
    const f = filters();
    const q = new URLSearchParams({ state: 'open', from: f.from, to: f.to });
    if (f.setting) q.set('setting', f.setting);
    if (f.complication) q.set('group', f.complication);
    const data = await optional(`/v1/alerts?${q}`);
    if (!data) return unavailable(view, 'alerts');
    const alerts = data.alerts || [];
    view.append(panel(`Open alerts, newest first, ${f.from} to ${f.to}`, 'alerts', null, ALERT_COLUMNS, alerts, threshold(),
      'Follow an alert for its evidence (the weekly series with the threshold drawn) and to acknowledge or close it. Acknowledged and closed alerts stay on their premises\' page.'));
  };

  VIEWS.alert = async (view) => {
    const id = hashParam('id') || '';
    const a = await optional(`/v1/alerts/${encodeURIComponent(id)}`);
    if (!a) return unavailable(view, 'alerts');
    view.append(el('h2', { id: 'alert-title' }, `Alert ${a.id}: rule ${a.rule} (${label(a.kind)}), ${a.level}, ${a.state}`));
    view.append(el('p', {}, [`${a.premises_code ? 'Premises ' : 'Setting '}`,
      a.premises_code ? el('a', { href: placeHref(a.premises_code) }, a.premises_code) : label(a.setting ?? a.exposure),
      `; ${label(a.complication_group ?? a.complication_type)}, ${a.first_week} to ${a.last_week}: observed ${a.observed}, expected ${a.expected === null ? '—' : Number(a.expected).toFixed(2)}.`]));
    view.append(evidencePanel(a, isoWeekOf, label, threshold()));
    view.append(panel('History (the audit trail of this alert)', 'alert-history', null,
      [{ key: 'at', label: 'When' }, { key: 'actor_name', label: 'By' }, { key: 'actor', label: 'Account' },
        { key: 'from_state', label: 'From' }, { key: 'to_state', label: 'To' }, { key: 'note', label: 'Note' }],
      a.history || [], threshold()));
    if (a.state === 'open' || a.state === 'acknowledged') view.append(actions(a, rerender, setStatus));
  };

  // Completeness lists: premises-level, from GET /v1/completeness.
  ctx.completenessLists = async (view) => {
    const f = filters();
    const data = await optional(`/v1/completeness?${new URLSearchParams({ from: f.from, to: f.to })}`);
    if (!data) return;
    const premisesCol = { key: 'premises_code', label: 'Premises', href: (r) => placeHref(r.premises_code) };
    const silent = (data.without_activity || []).map((r) => ({ ...r, weeks: r.weeks.join(' ') }));
    view.append(panel(`Premises that sent no activity, ${data.from} to ${data.to}`, 'no-activity', null,
      [premisesCol, { key: 'name', label: 'Name' }, { key: 'setting', label: 'Setting' }, { key: 'count', label: 'Weeks without activity' }, { key: 'weeks', label: 'Weeks' }],
      silent, threshold(), 'Premises active in a refreshed week (registered and open, or having sent anything for it) that sent no activity for it: their cases have no denominator.'));
    view.append(panel(`Reports awaiting vocabulary review: ${data.awaiting_review.count}`, 'awaiting-review', null,
      [premisesCol, { key: 'name', label: 'Name' }, { key: 'setting', label: 'Setting' }, { key: 'reports', label: 'Reports' }],
      data.awaiting_review.premises, threshold(), 'Counting versions of reports for procedures in these weeks with a value the vocabulary did not recognise (needlewatchctl review lists the terms).'));
    view.append(panel(`Late reports: ${data.late.count}`, 'late-reports', null,
      [premisesCol, { key: 'name', label: 'Name' }, { key: 'setting', label: 'Setting' }, { key: 'reports', label: 'Reports' }],
      data.late.premises, threshold(), `Reports whose first version arrived more than ${data.late_after_days} days after the end of the procedure's week.`));
  };
}

function actions(a, rerender, setStatus) {
  const note = el('input', { type: 'text', id: `note-${a.id}`, required: true });
  const change = async (action) => {
    try {
      await api(`/v1/alerts/${encodeURIComponent(a.id)}`, { method: 'POST', body: { action, note: note.value } });
      rerender();
    } catch (e) {
      const why = (e.problem?.errors || []).map((x) => `${x.field} ${x.message}`).join('; ');
      setStatus(`The alert was not changed: ${why || e.message}`, 'alert-error');
    }
  };
  const buttons = [];
  if (a.state === 'open') {
    const ack = el('button', { type: 'button', 'data-ack': a.id }, `Acknowledge alert ${a.id}`);
    ack.addEventListener('click', () => change('acknowledge'));
    buttons.push(ack);
  }
  const shut = el('button', { type: 'button', 'data-close': a.id }, `Close alert ${a.id}`);
  shut.addEventListener('click', () => change('close'));
  buttons.push(shut);
  return el('div', { class: 'actions', 'data-actions': a.id }, [
    el('label', { for: `note-${a.id}` }, 'Note (required: why, what was done)'), note, ...buttons]);
}

// The smallest count k with P(X >= k) < alpha for X ~ Binomial(n, p): the
// count at which a p-value rule fires. Exact, by the pmf's recurrence.
export function criticalCount(n, p, alpha) {
  if (!(n > 0) || !(p > 0) || !(p < 1) || !(alpha > 0)) return null;
  let pmf = (1 - p) ** n, cdf = 0;
  for (let k = 0; k <= n; k++) {
    if (1 - cdf < alpha) return k;
    cdf += pmf;
    pmf *= ((n - k) / (k + 1)) * (p / (1 - p));
  }
  return null;
}

// The evidence: the weekly series with the expected count and, for the rules
// that fire on a binomial p-value, the count that crosses the threshold. The
// cluster rule (2) tests its window's total, so its series is cumulative.
function evidencePanel(a, isoWeekOf, label, threshold) {
  const ev = a.evidence || {};
  if (!Array.isArray(ev.series)) {
    const rows = Object.entries(ev).filter(([, v]) => typeof v !== 'object').map(([k, v]) => ({ measure: k, value: v }));
    const chart = a.rule === 6 ? barChart({ title: 'The premises\' rate against its limit', desc: 'Bars: this premises\' rate, the setting\'s pooled rate and the 99.8% limit, per 1,000 procedures.', xLabel: 'per 1,000 procedures',
      categories: ['this premises', 'pooled rate', 'threshold (99.8% limit)'], values: [1000 * a.score, 1000 * ev.pooled_rate, 1000 * a.threshold].map((v) => +v.toFixed(2)) }) : null;
    return panel('Evidence', 'evidence', chart, [{ key: 'measure', label: 'Measure' }, { key: 'value', label: 'Value' }], rows, threshold);
  }
  const rate = ev.reference_rate ?? ev.baseline_rate ?? null;
  const pRule = a.p_value !== null && a.threshold > 0 && a.threshold < 1;
  const cumulative = a.rule === 2;
  let cases = 0, procedures = 0;
  const rows = ev.series.map((s) => {
    cases = cumulative ? cases + s.cases : s.cases;
    procedures = cumulative ? procedures + s.procedures : s.procedures;
    return { week: isoWeekOf(new Date(`${s.week}T00:00:00Z`)), cases: s.cases, procedures: s.procedures, shown_cases: cases,
      expected: rate === null ? null : rate * procedures, threshold_count: pRule && rate !== null ? criticalCount(procedures, rate, a.threshold) : null };
  });
  const pts = (k) => rows.filter((r) => r[k] !== null).map((r) => ({ week: r.week, est: r[k] }));
  const series = [{ name: cumulative ? 'cases, cumulative' : 'cases', points: pts('shown_cases') },
    { name: 'expected at the baseline rate', points: pts('expected') }];
  if (pRule) series.push({ name: `threshold: the count with p < ${Number(a.threshold.toPrecision(3))}`, points: pts('threshold_count') });
  const chart = trendChart({ title: `Evidence for alert ${a.id}`, yLabel: cumulative ? 'cases since the window began' : 'cases per week',
    desc: `Weekly series of ${label(a.complication_group ?? a.complication_type)} cases${cumulative ? ' (cumulative over the cluster window)' : ''}, the expected count at the baseline rate${pRule ? ', and the threshold: the count whose binomial p-value falls below the rule\'s threshold' : ''}. The table has every figure.`,
    weeks: rows.map((r) => r.week), series });
  const note = pRule ? null : `This rule's threshold (${a.threshold}) is on its own scale (the CUSUM score for rule 4), not a count; the score is ${a.score}.`;
  return panel('Evidence: the weekly series with the threshold', 'evidence', chart,
    [{ key: 'week', label: 'Week' }, { key: 'cases', label: 'Cases', small: true }, { key: 'procedures', label: 'Procedures' },
      { key: 'shown_cases', label: cumulative ? 'Cases, cumulative' : 'Cases (drawn)' }, { key: 'expected', label: 'Expected', num: 2 },
      { key: 'threshold_count', label: 'Threshold count' }],
    rows, threshold, note, legend(series.map((s) => s.name), true));
}
