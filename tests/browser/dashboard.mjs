// Drives the dashboard in headless Chromium (Debian's, never a downloaded
// one) against a running needlewatchd; run by tests/integration/test_dashboard.sh.
// Prints one "ok - ", "not ok - " or "skip - " line per check.
// Environment: NW_URL, NW_CA (the server's certificate), NW_TOKEN (a
// regulator's), NW_REPORTER (a reporter's), NW_OUT (screenshots, downloads).
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { createRequire } from 'node:module';
import puppeteer from 'puppeteer-core';

const require = createRequire(import.meta.url);
const AXE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const { NW_URL, NW_CA, NW_TOKEN, NW_REPORTER, NW_OUT } = process.env;
const FROM = '2022-W40', TO = '2022-W45';
const PAGES = ['overview', 'settings', 'skin', 'regions', 'premises', 'alerts', 'unregistered', 'completeness'];

const ok = (what) => console.log(`ok - ${what}`);
const notOk = (what) => console.log(`not ok - ${what}`);
const skip = (what) => console.log(`skip - ${what}`);
const check = (cond, what, detail = '') => (cond ? ok(what) : notOk(`${what}${detail ? ` (${detail})` : ''}`));
const close = (a, b) => (a === null && b === null) || (a !== null && b !== null && Math.abs(Number(a) - Number(b)) <= 1e-9 * Math.max(1, Math.abs(Number(b))));

// The API, asked directly with the bearer token.
function apiGet(p) {
  return new Promise((resolve, reject) => {
    https.get(`${NW_URL}${p}`, { ca: fs.readFileSync(NW_CA), headers: { Authorization: `Bearer ${NW_TOKEN}` } }, (res) => {
      let s = '';
      res.on('data', (d) => { s += d; });
      res.on('end', () => (res.statusCode === 200 ? resolve(JSON.parse(s)) : reject(new Error(`${p}: ${res.statusCode} ${s}`))));
    }).on('error', reject);
  });
}

async function rendered(page, name) {
  console.error(`# waiting for ${name}`);
  await page.waitForFunction((n) => document.body.dataset.rendered === n || document.body.dataset.rendered === `${n}-error`,
    { timeout: 20000 }, name);
  return page.evaluate(() => document.body.dataset.rendered);
}

// The table of a panel as objects of data-value strings.
async function tableOf(page, name) {
  return page.$$eval(`figure[data-panel="${name}"] tbody tr`, (trs) => trs.map((tr) => Object.fromEntries(
    [...tr.children].map((td) => [td.dataset.key, td.dataset.value]))));
}

function compareRows(what, shown, rows, key, fields) {
  const problems = [];
  if (shown.length !== rows.length) problems.push(`${shown.length} rows shown, ${rows.length} from the API`);
  for (const r of rows) {
    const s = shown.find((x) => x[key] === String(r[key]));
    if (!s) { problems.push(`no row for ${r[key]}`); continue; }
    for (const f of fields) {
      const want = r[f] === null || r[f] === undefined ? null : r[f];
      const got = s[f] === '' || s[f] === undefined ? null : Number(s[f]);
      if (!close(got, want)) problems.push(`${r[key]}.${f}: shown ${s[f]}, API ${want}`);
    }
  }
  check(problems.length === 0 && rows.length > 0, what, problems.slice(0, 4).join('; ') || (rows.length ? '' : 'the API has no rows'));
}

function parseCsv(text) {
  const lines = text.trim().split(/\r?\n/).map((l) => l.split(','));
  return lines.slice(1).map((cells) => Object.fromEntries(lines[0].map((h, i) => [h, cells[i]])));
}

// Sets the filters, opens view and waits until it is drawn with them.
async function setFilters(page, values, view) {
  await page.evaluate((v, n) => {
    for (const [k, val] of Object.entries(v)) document.getElementById('filters').elements.namedItem(k).value = val;
    document.body.dataset.rendered = '';
    if (location.hash !== `#${n}`) location.hash = `#${n}`;
    else document.getElementById('filters').requestSubmit();
  }, values, view);
  return rendered(page, view);
}

async function signInWith(page, token) {
  await page.evaluate(() => { document.body.dataset.rendered = ''; });
  await page.type('#token', token);
  await page.click('#signin-form button[type="submit"]');
}

async function axe(page, name) {
  // Evaluated over the DevTools protocol: the page's CSP rightly refuses a script tag.
  if (!await page.evaluate(() => typeof window.axe !== 'undefined')) await page.evaluate(AXE);
  const res = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id}: ${v.nodes.length} nodes, e.g. ${v.nodes[0].target.join(' ')}`);
  });
  check(res.length === 0, `axe-core finds no serious or critical violation on ${name}`, res.join('; '));
}

// Clicks a panel's CSV button and reads the file it downloads (dl: the download folder).
async function downloadCsv(page, name, dl) {
  const file = path.join(dl, `${name}.csv`);
  fs.rmSync(file, { force: true });
  await page.click(`figure[data-panel="${name}"] button.csv`);
  for (let i = 0; i < 100 && !fs.existsSync(file); i++) await new Promise((r) => setTimeout(r, 100));
  return fs.existsSync(file) ? parseCsv(fs.readFileSync(file, 'utf8')) : null;
}

// Premises and alerts against the real routes, with the alerts that
// test_dashboard.sh seeded in 2019: a red cluster (rule 2) and an amber funnel
// outlier (rule 6) at salon DSH-A00. Writes the ids it changed to NW_OUT for
// the shell to check the alert's state and audit rows in SQL.
const A_FROM = '2019-W22', A_TO = '2019-W34';
async function alertsFlow(page, dl) {
  const scope = { from: A_FROM, to: A_TO, setting: 'salon', complication: 'infection', region: '' };
  check(await setFilters(page, scope, 'premises') === 'premises', 'the premises page is drawn for 2019 salons and infection');
  const funnel = await apiGet(`/v1/funnel?setting=salon&complication=infection&from=${A_FROM}&to=${A_TO}`);
  compareRows('the funnel table is GET /v1/funnel\'s points (cases, procedures, rate, 95% and 99.8% limits)',
    await tableOf(page, 'funnel-salon'), funnel.points, 'premises_code', ['cases', 'procedures', 'rate', 'lower_95', 'upper_95', 'lower_998', 'upper_998']);
  const dots = await page.$$eval('figure[data-panel="funnel-salon"] svg a', (a) => a.map((x) => x.dataset.premises));
  check(dots.length === funnel.points.length && dots.includes('DSH-A00'), 'one funnel dot per premises', dots.join(','));
  const lines = await page.$$eval('figure[data-panel="funnel-salon"] svg polyline', (l) => l.map((x) => x.dataset.limit).join(','));
  check(lines === 'lower_95,upper_95,lower_998,upper_998', 'the 95% and 99.8% limit curves are drawn', lines);
  const square = await page.$('figure[data-panel="funnel-salon"] svg a[data-premises="DSH-A00"] rect');
  check(square && funnel.points.find((p) => p.premises_code === 'DSH-A00').outlier, 'the outlier above 99.8% is drawn as a square');

  await page.evaluate(() => { document.body.dataset.rendered = ''; });
  await page.click('figure[data-panel="funnel-salon"] svg a[data-premises="DSH-A00"]');
  check(await rendered(page, 'place') === 'place' && page.url().endsWith('#place?code=DSH-A00'), 'a funnel dot leads to its premises\' page', page.url());
  const weeks = await apiGet(`/v1/premises/DSH-A00/weeks?from=${A_FROM}&to=${A_TO}`);
  compareRows('the premises\' page shows its weekly activity, reports and cases as the API gives them',
    (await tableOf(page, 'place-weeks')).map((r) => ({ ...r, procedures: r.procedures === '' ? undefined : r.procedures })),
    weeks.weeks, 'week', ['procedures', 'reports', 'cases', 'awaiting_review', 'late']);
  const placeAlerts = (await tableOf(page, 'place-alerts')).map((r) => r.rule).join(',');
  check(placeAlerts === '6,2' || placeAlerts === '2,6', 'the premises\' page lists its two alerts', placeAlerts);
  const without = await page.$eval('li[data-card="weeks-without"] .n', (e) => e.textContent);
  check(without === `${weeks.completeness.weeks_without_activity.length} of ${weeks.weeks.length}`, 'the premises\' page shows its weeks without activity', without);
  await axe(page, 'a premises\' page');
  await page.screenshot({ path: path.join(NW_OUT, 'place.png'), fullPage: true });

  check(await setFilters(page, scope, 'alerts') === 'alerts', 'the alerts page is drawn');
  const open = await apiGet(`/v1/alerts?state=open&from=${A_FROM}&to=${A_TO}&setting=salon&group=infection`);
  const shown = await tableOf(page, 'alerts');
  check(shown.map((r) => r.id).join(',') === open.alerts.map((a) => String(a.id)).join(',') && shown.length >= 2,
    'the alerts page lists the open alerts, newest first, as the API does', `${shown.map((r) => r.id)} vs ${open.alerts.map((a) => a.id)}`);
  compareRows('each alert shows its rule, observed and expected counts', shown, open.alerts, 'id', ['rule', 'observed', 'expected', 'procedures', 'p_value', 'threshold']);
  const csv = await downloadCsv(page, 'alerts', dl);
  if (csv) compareRows('the downloaded alerts CSV holds the API\'s alerts', csv, open.alerts, 'id', ['rule', 'observed', 'expected', 'threshold']);
  else notOk('the alerts CSV download arrived');

  const cluster = open.alerts.find((a) => a.premises_code === 'DSH-A00' && a.rule === 2);
  const outlier = open.alerts.find((a) => a.premises_code === 'DSH-A00' && a.rule === 6);
  if (!cluster || !outlier) return notOk('the seeded cluster and funnel-outlier alerts are open');
  await page.evaluate(() => { document.body.dataset.rendered = ''; });
  await page.click(`a[href="#alert?id=${cluster.id}"]`);
  check(await rendered(page, 'alert') === 'alert', 'an alert\'s link opens its evidence');
  const ev = await tableOf(page, 'evidence');
  const last = ev[ev.length - 1] || {};
  check(last.shown_cases === '3' && last.threshold_count === '3' && ev.some((r) => r.threshold_count !== '' && Number(r.threshold_count) > Number(r.shown_cases)),
    'the cluster\'s cumulative cases reach the threshold drawn (the count whose p is below the rule\'s threshold) in its last week', JSON.stringify(last));
  const evLines = await page.$$eval('figure[data-panel="evidence"] svg polyline', (l) => l.length);
  check(evLines === 3, 'the evidence chart draws the cases, the expected count and the threshold', String(evLines));
  await axe(page, 'an alert\'s page');
  await page.screenshot({ path: path.join(NW_OUT, 'alert.png'), fullPage: true });

  await page.type(`#note-${cluster.id}`, 'seen from the dashboard test; inspection booked');
  await page.evaluate(() => { document.body.dataset.rendered = ''; });
  await page.click(`button[data-ack="${cluster.id}"]`);
  check(await rendered(page, 'alert') === 'alert', 'acknowledging redraws the alert');
  const title = await page.$eval('#alert-title', (e) => e.textContent);
  const history = await tableOf(page, 'alert-history');
  const change = history.find((h) => h.to_state === 'acknowledged') || {};
  check(/acknowledged/.test(title) && change.actor_name === 'Dashboard Regulator' && /inspection booked/.test(change.note),
    'the alert is acknowledged from the page, and its history names the regulator and the note', `${title} ${JSON.stringify(change)}`);
  const after = await apiGet(`/v1/alerts/${cluster.id}`);
  check(after.state === 'acknowledged', 'the API has the alert acknowledged', after.state);

  await page.evaluate((id) => { document.body.dataset.rendered = ''; location.hash = `#alert?id=${id}`; }, outlier.id);
  await rendered(page, 'alert');
  await page.evaluate(() => { document.body.dataset.rendered = ''; });
  await page.click(`button[data-close="${outlier.id}"]`);
  await rendered(page, 'alert');
  const refused = await page.$eval('#status', (e) => e.textContent);
  check(/not changed.*note/.test(refused) && (await apiGet(`/v1/alerts/${outlier.id}`)).state === 'open',
    'closing without a note is refused, and says why', refused);
  await page.type(`#note-${outlier.id}`, 'closed from the dashboard test');
  await page.evaluate(() => { document.body.dataset.rendered = ''; });
  await page.click(`button[data-close="${outlier.id}"]`);
  await rendered(page, 'alert');
  check((await apiGet(`/v1/alerts/${outlier.id}`)).state === 'closed', 'an alert is closed from the page');
  fs.writeFileSync(path.join(NW_OUT, 'changed-alerts'), `${cluster.id} ${outlier.id}\n`);

  check(await setFilters(page, { ...scope, from: '2019-W30', setting: '', complication: '' }, 'completeness') === 'completeness', 'the completeness page is drawn for 2019-W30..W34');
  const comp = await apiGet('/v1/completeness?from=2019-W30&to=2019-W34');
  compareRows('premises without activity are the API\'s', await tableOf(page, 'no-activity'), comp.without_activity, 'premises_code', ['count']);
  compareRows('premises with reports awaiting review are the API\'s', await tableOf(page, 'awaiting-review'), comp.awaiting_review.premises, 'premises_code', ['reports']);
  compareRows('premises with late reports are the API\'s', await tableOf(page, 'late-reports'), comp.late.premises, 'premises_code', ['reports']);
  const silent = (await tableOf(page, 'no-activity')).find((r) => r.premises_code === 'DSH-A07');
  check(silent && silent.weeks === '2019-W33', 'DSH-A07, silent in 2019-W33, is listed', JSON.stringify(silent));
  await axe(page, 'the completeness page with its lists');
  await page.screenshot({ path: path.join(NW_OUT, 'completeness-lists.png'), fullPage: true });
  return null;
}

async function main() {
  const profile = fs.mkdtempSync(path.join(NW_OUT, 'profile-'));
  const browser = await puppeteer.launch({
    executablePath: '/usr/bin/chromium', headless: true, acceptInsecureCerts: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run', '--disable-dev-shm-usage', `--user-data-dir=${profile}`],
    userDataDir: profile, timeout: 60000,
  });
  try {
    await run(browser);
  } finally {
    await browser.close();
  }
}

async function run(browser) {
  const page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 900 });
  const errors = [];
  page.on('console', (m) => { console.error(`# console ${m.type()}: ${m.text()}`); if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => { console.error(`# page error: ${e.message}`); errors.push(e.message); });
  const requests = [];
  page.on('request', (r) => requests.push(r.url()));
  await page.goto(`${NW_URL}/dashboard/`, { waitUntil: 'networkidle0' });
  check(await rendered(page, 'signin') === 'signin', 'a browser without a session sees the sign-in form');
  await page.screenshot({ path: path.join(NW_OUT, 'signin.png') });
  await axe(page, 'the sign-in page');

  await signInWith(page, 'nwt_000000000000000000000000000000000000000000000000');
  await page.waitForFunction(() => document.getElementById('signin-message').textContent.length > 0, { timeout: 10000 });
  const wrong = await page.$eval('#signin-message', (e) => e.textContent);
  check(/not recognised/.test(wrong), 'a wrong token gets a clear message', wrong);
  await signInWith(page, NW_REPORTER);
  await page.waitForFunction(() => /regulator/.test(document.getElementById('signin-message').textContent), { timeout: 10000 }).catch(() => null);
  const rep = await page.$eval('#signin-message', (e) => e.textContent);
  check(/not a regulator token/.test(rep), 'a reporter token is refused, and told why', rep);
  check(await page.$eval('#app', (e) => e.hidden), 'the refused tokens show no data');

  await signInWith(page, NW_TOKEN);
  check(await rendered(page, 'overview') === 'overview', 'a regulator token signs in and the overview is drawn');
  const cookies = await page.cookies();
  const c = cookies.find((k) => k.name === '__Host-needlewatch_session');
  check(c && c.httpOnly && c.secure && c.sameSite === 'Strict', 'the session cookie is HttpOnly, Secure and SameSite=Strict');
  const stored = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }) + location.href);
  check(!stored.includes(NW_TOKEN), 'the token is in neither the URL nor local or session storage');
  check(await page.$eval('#token', (e) => e.value) === '', 'the token field is emptied after sign-in');
  // The first render asks only for the overview's own three figures, all at
  // once: the filters' choices cost no summaries call before it (issue 16).
  const firstCalls = requests.filter((u) => u.startsWith(`${NW_URL}/v1/summaries?`))
    .map((u) => new URLSearchParams(u.split('?')[1]).get('by')).sort();
  check(JSON.stringify(firstCalls) === JSON.stringify(['setting', 'setting', 'week,setting']),
    'the first overview makes three summaries calls, its figures\' own', firstCalls.join(' | '));
  const foreign = requests.filter((u) => !u.startsWith(`${NW_URL}/`) && !u.startsWith('data:'));
  check(foreign.length === 0, 'the page asks no other host for anything', foreign.slice(0, 3).join(' '));

  // Overview: the numbers shown are the API's for the same filters.
  await setFilters(page, { from: FROM, to: TO }, 'overview');
  // The types' list is read when the type box is first used, and is the API's.
  await page.focus('#f-type');
  await page.waitForFunction(() => document.querySelectorAll('#types option').length > 0, { timeout: 10000 }).catch(() => null);
  const listed = await page.$$eval('#types option', (o) => o.map((x) => x.value).sort());
  const apiTypes = [...new Set((await apiGet(`/v1/summaries?from=${FROM}&to=${TO}&by=complication_type`)).rows
    .map((r) => r.complication_type))].filter(Boolean).sort();
  check(listed.length > 0 && JSON.stringify(listed) === JSON.stringify(apiTypes), 'using the type box lists the API\'s complication types',
    `${listed.length} listed, ${apiTypes.length} from the API`);
  const api = await apiGet(`/v1/summaries?from=${FROM}&to=${TO}&by=setting`);
  compareRows('the overview shows the API\'s rates and intervals by setting', await tableOf(page, 'rates-by-setting'), api.rows, 'setting',
    ['events', 'procedures', 'rate_per_1000', 'ci95_low', 'ci95_high', 'premises_reporting', 'events_without_activity']);
  const cases = api.rows.reduce((a, r) => a + r.events + r.events_without_activity, 0);
  const card = await page.$eval('li[data-card="reports"] .n', (e) => e.textContent);
  check(card === String(cases), 'the overview counts the cases the API does', `${card} vs ${cases}`);
  const weekly = await apiGet(`/v1/summaries?from=${FROM}&to=${TO}&by=week,setting`);
  const shownWeekly = (await tableOf(page, 'weekly-trend')).map((r) => ({ ...r, key: `${r.week}/${r.setting}` }));
  compareRows('the weekly trend table is the API\'s by week and setting', shownWeekly,
    weekly.rows.map((r) => ({ ...r, key: `${r.week}/${r.setting}` })), 'key', ['events', 'procedures', 'rate_per_1000', 'ci95_low', 'ci95_high']);
  const small = await page.$$eval('figure[data-panel="rates-by-setting"] .small-mark', (e) => e.length);
  const expectSmall = api.rows.filter((r) => r.events >= 1 && r.events < api.suppression_threshold).length;
  check(small >= expectSmall, 'counts the public tables would suppress are marked', `${small} marks, ${expectSmall} small event counts`);
  await page.screenshot({ path: path.join(NW_OUT, 'overview.png'), fullPage: true });

  // CSV download: exactly the table.
  const dl = path.join(NW_OUT, 'downloads');
  fs.mkdirSync(dl, { recursive: true });
  const cdp = await page.createCDPSession();
  await cdp.send('Browser.setDownloadBehavior', { behavior: 'allow', downloadPath: dl });
  await page.click('figure[data-panel="rates-by-setting"] button.csv');
  const file = path.join(dl, 'rates-by-setting.csv');
  for (let i = 0; i < 100 && !fs.existsSync(file); i++) await new Promise((r) => setTimeout(r, 100));
  if (fs.existsSync(file)) {
    const rows = parseCsv(fs.readFileSync(file, 'utf8'));
    compareRows('the downloaded CSV holds the API\'s figures', rows, api.rows, 'setting',
      ['events', 'procedures', 'rate_per_1000', 'ci95_low', 'ci95_high']);
  } else {
    notOk('the CSV download arrived');
  }

  // Filters: a setting, a complication group and a region.
  await setFilters(page, { complication: 'infection', region: '' }, 'settings');
  const rr = await apiGet(`/v1/summaries?from=${FROM}&to=${TO}&by=complication,setting&complication=infection`);
  const rrRows = rr.rows.filter((r) => r.setting !== 'medical_clinic').map((r) => ({ ...r, key: `${r.complication}/${r.setting}` }));
  compareRows('settings compared: crude and adjusted ratios as the API gives them for complication=infection',
    (await tableOf(page, 'rate-ratios')).map((r) => ({ ...r, key: `${r.complication}/${r.setting}` })), rrRows, 'key',
    ['rate_ratio', 'rr_ci95_low', 'rr_ci95_high', 'rr_adjusted', 'rr_adjusted_ci95_low', 'rr_adjusted_ci95_high']);
  await setFilters(page, { complication: '', region: 'North West' }, 'overview');
  const nw = await apiGet(`/v1/summaries?from=${FROM}&to=${TO}&by=setting,region`);
  compareRows('the region filter shows the API\'s rows for that region only', await tableOf(page, 'rates-by-setting'),
    nw.rows.filter((r) => r.region === 'North West'), 'setting', ['events', 'procedures', 'rate_per_1000']);
  await setFilters(page, { region: '' }, 'overview');

  // Every page: drawn, accessible, photographed.
  for (const name of PAGES) {
    const state = await setFilters(page, {}, name);
    check(state === name, `the ${name} page is drawn`, state);
    check(!await page.$('[data-unavailable]'), `the ${name} page has its data (no "not available")`);
    if (name !== 'alerts') {
      const withData = await page.$$eval('figure[data-panel]', (f) => f.every((x) => x.querySelector('table') && x.querySelector('button.csv')));
      check(withData, `every chart on ${name} has its table and CSV download`);
      const svgs = await page.$$eval('svg.chart', (s) => s.every((x) => ['img', 'group'].includes(x.getAttribute('role')) && x.querySelector('title') && x.querySelector('desc')));
      check(svgs, `every chart on ${name} has a text alternative`);
    }
    await axe(page, `the ${name} page`);
    await page.screenshot({ path: path.join(NW_OUT, `${name}.png`), fullPage: true });
  }
  await setFilters(page, {}, 'unregistered');
  const unreg = (await apiGet(`/v1/summaries?from=${FROM}&to=${TO}&by=setting,complication`)).unregistered
    .filter((u) => u.complication !== 'any').map((u) => ({ ...u, key: `${u.setting}/${u.complication}` }));
  compareRows('the unregistered places\' counts are the API\'s', (await tableOf(page, 'unregistered')).map((r) => ({ ...r, key: `${r.setting}/${r.complication}` })),
    unreg, 'key', ['cases']);
  await alertsFlow(page, dl);
  await setFilters(page, { from: FROM, to: TO, setting: '', complication: '' }, 'completeness');
  const regionTable = await tableOf(page, 'completeness');
  check(regionTable.length > 0, 'the completeness page lists weeks and settings');

  // Keyboard: the tabs are reachable and followable without a mouse.
  await page.focus('nav a[data-view="regions"]');
  await page.evaluate(() => { document.body.dataset.rendered = ''; });
  await page.keyboard.press('Enter');
  check(await rendered(page, 'regions') === 'regions', 'a view can be opened from the keyboard');
  const outline = await page.evaluate(() => { const a = document.querySelector('nav a[data-view="skin"]'); a.focus(); return getComputedStyle(a).outlineStyle; });
  check(outline !== 'none', 'the focused link is visibly outlined', outline);

  // Sign out: the page and the API refuse the old cookie.
  await page.evaluate(() => { document.body.dataset.rendered = ''; });
  await page.click('#signout');
  check(await rendered(page, 'signin') === 'signin', 'signing out returns to the sign-in form');
  const after = await page.evaluate(async (q) => (await fetch(q, { credentials: 'same-origin' })).status, `/v1/summaries?from=${FROM}&to=${TO}`);
  check(after === 401, 'after signing out the API refuses the browser', String(after));
  await page.reload({ waitUntil: 'networkidle0' });
  check(await rendered(page, 'signin') === 'signin', 'a reload after signing out asks to sign in again');
  // 401 and 403: the refusals this run asks for; 422: closing without a note, on purpose.
  const unexpected = errors.filter((e) => !/status of (40[13]|422)/.test(e));
  check(unexpected.length === 0, 'no script error and no CSP refusal in the browser console', unexpected.join('; ').slice(0, 300));
}

main().catch((e) => { notOk(`the browser run failed: ${e.message}`); process.exitCode = 1; });
