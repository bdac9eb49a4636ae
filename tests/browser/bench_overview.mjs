// Times the dashboard's first drawn overview for `make bench` (scripts/bench.sh),
// in headless Chromium (Debian's, never a downloaded one) against a running
// needlewatchd. Signs in once with a regulator token, then opens /dashboard/
// NW_RUNS times, each in a fresh page with the browser's cache off (a first
// visit, the session cookie kept), and times each from the start of the
// navigation to the frame after app.js marks the overview drawn
// (body[data-rendered="overview"], set once its charts and tables are in the
// page). Prints one JSON object on stdout; progress goes to stderr.
// Environment: NW_URL, NW_TOKEN (a regulator's), NW_OUT (the browser's
// profile), NW_RUNS (default 5).
import fs from 'node:fs';
import path from 'node:path';
import puppeteer from 'puppeteer-core';

const { NW_URL, NW_TOKEN, NW_OUT } = process.env;
const RUNS = Number(process.env.NW_RUNS || 5);
const TIMEOUT_MS = 60000;

// Runs in every page before its own scripts (over the DevTools protocol, so
// the page's CSP does not apply): notes, on the page's clock (0 = the start of
// the navigation), when the overview is marked drawn and when the frame after
// that mark has been painted (two animation frames later).
function probe() {
  new MutationObserver((_, obs) => {
    const state = document.body && document.body.dataset.rendered;
    if (state !== 'overview' && state !== 'overview-error') return;
    obs.disconnect();
    const marked = performance.now();
    requestAnimationFrame(() => requestAnimationFrame(() => {
      window.nwBenchDrawn = { state, marked, drawn: performance.now() };
    }));
  }).observe(document, { subtree: true, attributes: true, attributeFilter: ['data-rendered'] });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
const tenth = (x) => Math.round(x * 10) / 10;

// Signs in on the sign-in form, as a regulator does; the session cookie stays
// in the browser for the pages opened after.
async function signIn(browser) {
  const page = await browser.newPage();
  await page.goto(`${NW_URL}/dashboard/`, { waitUntil: 'domcontentloaded' });
  await page.waitForFunction(() => document.body.dataset.rendered === 'signin', { timeout: TIMEOUT_MS });
  await page.type('#token', NW_TOKEN);
  await page.click('#signin-form button[type="submit"]');
  await page.waitForFunction(() => /^overview/.test(document.body.dataset.rendered || ''), { timeout: TIMEOUT_MS });
  const state = await page.evaluate(() => document.body.dataset.rendered);
  await page.close();
  if (state !== 'overview') throw new Error(`the overview after sign-in is "${state}"`);
}

// One first visit: the times, what the page asked the server, and what it shows.
async function visit(browser) {
  const page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 900 });
  await page.setCacheEnabled(false);
  await page.evaluateOnNewDocument(probe);
  const requests = [];
  page.on('request', (r) => requests.push(r.url().slice(NW_URL.length)));
  await page.goto(`${NW_URL}/dashboard/`, { waitUntil: 'domcontentloaded' });
  await page.waitForFunction(() => window.nwBenchDrawn, { timeout: TIMEOUT_MS, polling: 50 });
  const got = await page.evaluate(() => ({
    ...window.nwBenchDrawn,
    from: document.getElementById('f-from').value,
    to: document.getElementById('f-to').value,
    charts: document.querySelectorAll('svg.chart').length,
    rows: document.querySelectorAll('figure[data-panel="rates-by-setting"] tbody tr').length,
    // When each call to the server began and ended, on the same clock: where the time went.
    api: performance.getEntriesByType('resource')
      .filter((e) => /\/(v1|dashboard\/session)/.test(e.name))
      .map((e) => ({ path: new URL(e.name).pathname + new URL(e.name).search,
        start_ms: Math.round(e.startTime), end_ms: Math.round(e.responseEnd) })),
  }));
  await page.close();
  return { ...got, requests };
}

async function run(browser) {
  await signIn(browser);
  const visits = [];
  for (let i = 0; i < RUNS; i++) {
    const v = await visit(browser);
    if (v.state !== 'overview' || v.charts === 0 || v.rows === 0)
      throw new Error(`run ${i + 1}: the overview is "${v.state}" with ${v.charts} charts and ${v.rows} rows by setting`);
    console.error(`# run ${i + 1}: drawn at ${v.drawn.toFixed(1)} ms (marked at ${v.marked.toFixed(1)} ms)`);
    visits.push(v);
  }
  const first = visits[0];
  const mid = [...visits].sort((a, b) => a.drawn - b.drawn)[Math.floor((visits.length - 1) / 2)];
  // The overview's own query: its filters' weeks by setting, as app.js's
  // summaryQuery() writes it (URLSearchParams, in this order).
  const summariesPath = `/v1/summaries?${new URLSearchParams({ from: first.from, to: first.to, by: 'setting' })}`;
  if (!first.requests.includes(summariesPath)) throw new Error(`the overview did not ask for ${summariesPath}`);
  const api = first.requests.filter((u) => u.startsWith('/v1/') || u.startsWith('/dashboard/session'));
  return {
    runs: RUNS,
    drawn_ms: visits.map((v) => tenth(v.drawn)),
    marked_ms: visits.map((v) => tenth(v.marked)),
    median_ms: tenth(median(visits.map((v) => v.drawn))),
    median_marked_ms: tenth(median(visits.map((v) => v.marked))),
    from: first.from,
    to: first.to,
    charts: first.charts,
    summaries_path: summariesPath,
    requests: first.requests.length,
    api_requests: api,
    median_run_api: mid.api,
  };
}

async function main() {
  const profile = fs.mkdtempSync(path.join(NW_OUT, 'profile-'));
  const browser = await puppeteer.launch({
    executablePath: '/usr/bin/chromium', headless: true, acceptInsecureCerts: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run', '--disable-dev-shm-usage', `--user-data-dir=${profile}`],
    userDataDir: profile, timeout: TIMEOUT_MS,
  });
  try {
    console.log(JSON.stringify(await run(browser)));
  } finally {
    await browser.close();
  }
}

main().catch((e) => { console.error(`bench_overview: ${e.message}`); process.exitCode = 1; });
