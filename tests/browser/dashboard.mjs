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

// Where the server has the alerts routes: follow a funnel dot, acknowledge an alert.
async function alertsRoutes(page, name) {
  if (name === 'premises') {
    const dot = await page.$('figure[data-panel="funnel"] svg a');
    if (!dot) return skip('following a funnel dot (no premises in the funnel for these weeks)');
    await page.evaluate(() => { document.body.dataset.rendered = ''; });
    await dot.click();
    check(await rendered(page, 'alerts') === 'alerts', 'a funnel dot leads to its premises\' alerts');
    return setFilters(page, {}, 'premises');
  }
  const ack = await page.$('button[data-ack]');
  if (!ack) return skip('acknowledging an alert (no alert listed for these weeks)');
  await page.evaluate(() => { document.body.dataset.rendered = ''; });
  await ack.click();
  await rendered(page, 'alerts');
  const status = await page.$eval('#status', (e) => e.textContent);
  check(!/not changed/.test(status), 'an alert is acknowledged from the page (with the CSRF header)', status);
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

// The Premises and Alerts pages against stand-in answers of the shapes the
// alerts routes are documented to give (points and limit curves; alerts),
// served by request interception in a second tab: it shows that the pages
// draw what such answers hold and send the acknowledgement with the CSRF
// header. It does not test the alerts routes themselves.
async function standIns(browser) {
  const page = await browser.newPage();
  const posted = [];
  await page.setRequestInterception(true);
  page.on('request', (r) => {
    const u = new URL(r.url());
    const json = (body) => r.respond({ status: 200, contentType: 'application/json', body: JSON.stringify(body) });
    if (u.pathname === '/v1/funnel') {
      return json({ points: [{ premises_id: 7, name: 'Stand-in Salon', procedures: 400, events: 9, rate_per_1000: 22.5 },
        { premises_id: 8, name: 'Stand-in Clinic', procedures: 900, events: 2, rate_per_1000: 2.2 }],
      limits: [100, 400, 900].map((n) => ({ procedures: n, lower_998: 0, upper_95: 12 + 400 / n, upper_998: 16 + 800 / n })) });
    }
    if (u.pathname === '/v1/alerts' && r.method() === 'GET') {
      return json({ alerts: [{ id: 41, premises_id: 7, rule: 'funnel_outlier', level: 'amber', state: 'open', observed: 9, expected: 3.1, opened_at: '2022-11-14T08:00:00Z' },
        { id: 40, premises_id: 8, rule: 'cusum', level: 'red', state: 'open', observed: 4, expected: 1.2, opened_at: '2022-11-07T08:00:00Z' }] });
    }
    if (u.pathname.startsWith('/v1/alerts/') && r.method() === 'POST') {
      posted.push({ csrf: r.headers()['x-needlewatch-csrf'], body: r.postData() });
      return json({ id: 41, state: 'acknowledged' });
    }
    return r.continue();
  });
  await page.goto(`${NW_URL}/dashboard/#premises`, { waitUntil: 'networkidle0' });
  await rendered(page, 'premises');
  const dots = await page.$$('figure[data-panel="funnel"] svg a');
  check(dots.length === 2, 'stand-in funnel answer: one dot per premises', String(dots.length));
  const lines = await page.$$eval('figure[data-panel="funnel"] svg polyline', (l) => l.length);
  check(lines === 3, 'stand-in funnel answer: its limit curves are drawn', String(lines));
  await page.evaluate(() => { document.body.dataset.rendered = ''; });
  await dots[0].click();
  check(await rendered(page, 'alerts') === 'alerts' && page.url().includes('#alerts?premises=7'),
    'stand-in funnel answer: a dot leads to that premises\' alerts', page.url());
  const listed = await page.$$eval('button[data-ack]', (b) => b.map((x) => x.dataset.ack).join(','));
  check(listed === '41', 'stand-in alerts answer: the premises\' page lists its alerts only', listed);
  await page.type('#note-41', 'seen; inspection booked');
  await page.evaluate(() => { document.body.dataset.rendered = ''; });
  await page.click('button[data-ack="41"]');
  await rendered(page, 'alerts');
  const sent = posted[0] || {};
  check(/^[0-9a-f]{32}$/.test(sent.csrf || '') && /"action":"acknowledge"/.test(sent.body) && /inspection booked/.test(sent.body),
    'stand-in alerts answer: acknowledging posts the action and note with the CSRF header', JSON.stringify(sent));
  await page.close();
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
  const foreign = requests.filter((u) => !u.startsWith(`${NW_URL}/`) && !u.startsWith('data:'));
  check(foreign.length === 0, 'the page asks no other host for anything', foreign.slice(0, 3).join(' '));

  // Overview: the numbers shown are the API's for the same filters.
  await setFilters(page, { from: FROM, to: TO }, 'overview');
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
    if (name === 'premises' || name === 'alerts') {
      const absent = await page.$('[data-unavailable]');
      if (absent) {
        const text = await page.$eval('[data-unavailable]', (e) => e.textContent);
        check(/not available on this server/.test(text), `the ${name} page says alerts are not available here`);
        skip(`following a funnel dot / acknowledging an alert on ${name} (the alerts routes are not on this server)`);
      } else {
        await alertsRoutes(page, name);
      }
    } else {
      const withData = await page.$$eval('figure[data-panel]', (f) => f.every((x) => x.querySelector('table') && x.querySelector('button.csv')));
      check(withData, `every chart on ${name} has its table and CSV download`);
      const svgs = await page.$$eval('svg.chart', (s) => s.every((x) => x.getAttribute('role') === 'img' && x.querySelector('title') && x.querySelector('desc')));
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
  await setFilters(page, {}, 'completeness');
  await standIns(browser);
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
  // 401 and 403: the refusals this run asks for; 404: the alerts routes, where absent.
  const unexpected = errors.filter((e) => !/status of 40[134]/.test(e));
  check(unexpected.length === 0, 'no script error and no CSP refusal in the browser console', unexpected.join('; ').slice(0, 300));
}

main().catch((e) => { notOk(`the browser run failed: ${e.message}`); process.exitCode = 1; });
