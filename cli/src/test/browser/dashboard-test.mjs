// Drives raftkv's admin dashboard in Debian's chromium for DashboardBrowserIT, one step at a time.
// Usage: node dashboard-test.mjs <dashboard URL> <screenshot path> <new-leader bound in ms>
// Prints one JSON object per line on stdout: {"step":"leader",...} once the page shows a leader and
// every member answering; then reads "killed <name>" on stdin (the IT killed that leader), waits for
// the page to name another leader and prints {"step":"new-leader","leader":...,"ms":...} (ms from
// reading that line), saves a screenshot, presses Detach then Attach (the member's row must say
// "detached", then "ok") and prints {"step":"done",...}. Any failure prints
// {"step":"error","message":...} and exits 1.
import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const [url, screenshot, boundArg] = process.argv.slice(2);
const bound = Number(boundArg);
const say = (o) => process.stdout.write(JSON.stringify(o) + '\n');
const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();

const profile = mkdtempSync(join(tmpdir(), 'raftkv-dashboard-chromium-'));
let browser;
try {
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1400, height: 980 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = browser.pages()[0] || await browser.newPage();
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') { pageErrors.push(m.text()); } });
  await page.goto(url);
  // A leader named, and every member's row answering.
  await page.waitForFunction(() => {
    const leader = document.querySelector('[data-testid=leader]').textContent;
    const rows = [...document.querySelectorAll('tr[data-testid^=member-]')];
    return leader !== '…' && leader !== 'none' && rows.length > 0 &&
      rows.every((r) => r.dataset.reachable === 'true');
  }, null, { timeout: 30000, polling: 50 });
  const leader = await page.textContent('[data-testid=leader]');
  const self = await page.textContent('[data-testid=self]');
  const rows = await page.$$eval('tr[data-testid^=member-]', (rs) => rs.map((r) => ({
    name: r.querySelector('[data-field=name]').textContent,
    role: r.dataset.role,
  })));
  say({ step: 'leader', leader, self, rows });

  const next = await lines.next();
  const [word, killed] = String(next.value || '').split(' ');
  if (word !== 'killed') {
    throw new Error('expected "killed <name>" on stdin, got: ' + next.value);
  }
  const t0 = Date.now();
  await page.waitForFunction((old) => {
    const now = document.querySelector('[data-testid=leader]').textContent;
    return now !== old && now !== 'none' && now !== '…';
  }, killed, { timeout: bound, polling: 20 });
  const ms = Date.now() - t0;
  const newLeader = await page.textContent('[data-testid=leader]');
  say({ step: 'new-leader', leader: newLeader, ms });

  // For the picture: the killed member shown unreachable, a few more chart points.
  await page.waitForFunction((name) => {
    const r = document.querySelector('tr[data-testid="member-' + name + '"]');
    return r && r.dataset.reachable === 'false';
  }, killed, { timeout: 10000, polling: 100 });
  await page.waitForTimeout(2500);
  const timeline = await page.$$eval('ol[data-testid=timeline] li', (ls) => ls.map((l) => l.textContent));
  const charts = await page.$$eval('.chart canvas', (cs) => cs.length);
  await page.screenshot({ path: screenshot, fullPage: true });

  // The partition switch: this member (on loopback, auth disabled) may detach and attach itself.
  const buttons = [];
  for (const [button, state] of [['detach', 'detached'], ['attach', 'ok']]) {
    await page.click('[data-testid=' + button + ']');
    await page.waitForFunction(() => {
      const t = document.querySelector('[data-testid=admin-result]').textContent;
      return t !== '' && t !== '…';
    }, null, { timeout: 10000, polling: 50 });
    const result = await page.textContent('[data-testid=admin-result]');
    await page.waitForFunction((want) => {
      const row = document.querySelector('tr.self [data-field=state]');
      return row && row.textContent === want;
    }, state, { timeout: 10000, polling: 50 });
    buttons.push({ button, result, state });
  }
  say({ step: 'done', screenshot, timeline, charts, buttons, pageErrors });
} catch (e) {
  say({ step: 'error', message: String(e && e.stack || e) });
  process.exitCode = 1;
} finally {
  if (browser) {
    await browser.close();
  }
  rmSync(profile, { recursive: true, force: true });
  process.exit();
}
