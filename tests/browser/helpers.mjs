// Shared helpers for the headless-Chromium tests: run the local stack on free ports and drive Chromium.
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before } from 'node:test';
import { chromium } from 'playwright-core';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CHROMIUM = '/usr/bin/chromium';
export const PLACEHOLDER = '\u2013';
export const WAIT = 15000;

const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

// A person's browser: navigator.webdriver stays false (the server does not count views from automated
// browsers; the client sends `webdriver: navigator.webdriver === true`).
const HUMAN_ARGS = [...CHROMIUM_ARGS, '--disable-blink-features=AutomationControlled'];

// Fails (never skips) when the Debian package is missing. The default looks like a person's browser (use
// humanContext() for its contexts); { automation: true } is plain headless Chromium as Playwright drives
// it: navigator.webdriver true and a "HeadlessChrome" User-Agent, i.e. a bot.
export async function launchBrowser({ automation = false } = {}) {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM}: install the Debian package chromium`);
  }
  const args = automation ? CHROMIUM_ARGS : HUMAN_ARGS;
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args, timeout: 30000 });
}

// Desktop Chrome's User-Agent for Linux, of this browser's major version (Chrome reduces the rest to 0.0.0),
// without the "Headless" that headless Chromium puts in it.
export const humanUserAgent = (browser) =>
  `Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${browser.version().split('.')[0]}.0.0.0 Safari/537.36`;

// A context whose pages (and their WebSocket handshakes) send the person's User-Agent. With a browser from
// launchBrowser(), its pages pass the server's bot filter.
export const humanContext = (browser, options = {}) => browser.newContext({ userAgent: humanUserAgent(browser), ...options });

const canBind = (port) =>
  new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });

// A free port; with pairs=1, the next port is free too (the management API uses ws_port + 1).
export async function freePort(pairs = 0) {
  for (;;) {
    const port = await new Promise((resolve, reject) => {
      const server = net.createServer();
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const { port: p } = server.address();
        server.close(() => resolve(p));
      });
    });
    if (!pairs || (port + pairs < 65536 && (await canBind(port + pairs)))) return port;
  }
}

export class LocalStack {
  // `env`: more environment for the stack's process (e.g. clockEnv(): VIEWCOUNT_LOCAL_CLOCK_FILE).
  constructor({ env = {} } = {}) {
    this.dataDir = mkdtempSync(path.join(tmpdir(), 'viewcount-browser-'));
    this.env = env;
    this.process = undefined;
    this.output = '';
  }

  // The dashboard's own server (its origin is not a site's).
  get dashboardUrl() {
    return `http://127.0.0.1:${this.dashboardPort}/`;
  }

  // The origin of the n-th site given with --site (each on its own port from httpPort up).
  siteOrigin(position = 0) {
    return `http://127.0.0.1:${this.httpPort + position}`;
  }

  get wsUrl() {
    return `ws://127.0.0.1:${this.wsPort}`;
  }

  get origin() {
    return `http://127.0.0.1:${this.httpPort}`;
  }

  // The HTTP API (beacon views and counts, for browsers whose WebSocket is blocked).
  get httpApiUrl() {
    return `http://127.0.0.1:${this.apiPort}`;
  }

  url(pathname) {
    return this.origin + pathname;
  }

  // Starts on the same ports and data dir as before when called again after stop().
  // Test files run in parallel, each taking free ports: between finding a port free and the stack
  // binding it, another file's stack may take it. A first start then tries again on other ports;
  // a restart keeps its ports (the pages open in the browser name them).
  async start(...extra) {
    const fresh = this.wsPort === undefined;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.startOnce(...extra);
      } catch (error) {
        if (!fresh || attempt === 3 || !String(error.message).includes('Address already in use')) throw error;
        this.wsPort = this.httpPort = this.apiPort = this.dashboardPort = undefined;
      }
    }
  }

  async startOnce(...extra) {
    this.wsPort ??= await freePort(1);
    this.httpPort ??= await freePort();
    this.apiPort ??= await freePort();
    this.dashboardPort ??= await freePort();
    const python = path.join(ROOT, '.venv', 'bin', 'python');
    if (!existsSync(python)) throw new Error(`${python} missing: run ./test.sh (or ./run_local.sh) once to create .venv`);
    // This run's output only: after a restart, the earlier run's banner must not count as this one's.
    const outputFrom = this.output.length;
    const child = spawn(
      python,
      ['-m', 'local_stack', '--ws-port', String(this.wsPort), '--http-port', String(this.httpPort),
        '--api-port', String(this.apiPort), '--dashboard-port', String(this.dashboardPort), '--data-dir', this.dataDir,
        ...extra],
      {
        cwd: ROOT,
        env: {
          ...process.env,
          ...this.env,
          PYTHONPATH: [path.join(ROOT, 'lambdas'), path.join(ROOT, 'infra'), ROOT].join(':'),
          PYTHONUNBUFFERED: '1',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    this.process = child;
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => fail('did not become ready within 60 s'), 60000);
      const fail = (why) => {
        clearTimeout(timer);
        child.kill('SIGKILL');
        reject(new Error(`local stack ${why}:\n${this.output}`));
      };
      const onData = (chunk) => {
        this.output += chunk;
        if (this.output.indexOf('Ctrl-C stops it.', outputFrom) !== -1) {
          clearTimeout(timer);
          child.off('exit', onExit);
          resolve();
        }
      };
      const onExit = (code) => fail(`exited with ${code}`);
      child.stdout.setEncoding('utf8').on('data', onData);
      child.stderr.setEncoding('utf8').on('data', (chunk) => (this.output += chunk));
      child.once('exit', onExit);
    });
  }

  // SIGTERM, as a service manager would; SIGKILL if it hangs. Resolves once the process is gone.
  async stop() {
    const child = this.process;
    this.process = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15000);
    await exited;
    clearTimeout(timer);
  }

  async dispose() {
    await this.stop();
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

// Wait until the element's text is exactly `expected` (a generous wait, no sleeps).
export async function waitForText(page, selector, expected, timeout = WAIT) {
  try {
    await page.waitForFunction(
      ([sel, want]) => document.querySelector(sel)?.textContent.trim() === want,
      [selector, String(expected)],
      { timeout, polling: 100 },
    );
  } catch (error) {
    const actual = await page.evaluate((sel) => document.querySelector(sel)?.textContent.trim(), selector).catch(() => '?');
    throw new Error(`${selector} on ${page.url()}: expected "${expected}", still "${actual}" after ${timeout} ms`, { cause: error });
  }
}

export const slot = (kind) => `[data-viewcount="${kind}"]`;

// The page's total / unique / reading texts.
export const counters = (page) =>
  page.evaluate(() =>
    Object.fromEntries(['total', 'unique', 'reading'].map((k) => [k, document.querySelector(`[data-viewcount="${k}"]`)?.textContent.trim()])),
  );

// Wait until every given counter shows its number, then return what the page shows.
export async function waitForCounts(page, want, timeout = WAIT) {
  for (const [kind, value] of Object.entries(want)) await waitForText(page, slot(kind), value, timeout);
  return counters(page);
}

// Record every server message the client sees in window.__viewcountMessages (before the page's scripts run).
export async function recordMessages(context) {
  await context.addInitScript(() => {
    window.__viewcountMessages = [];
    const hook = () => window.viewcount?.on?.((m) => window.__viewcountMessages.push(m));
    document.addEventListener('DOMContentLoaded', hook);
  });
}

// Wait for a recorded `views` push matching `want` (a subset of its fields); returns the first such push.
export async function waitForPush(page, want, timeout = WAIT) {
  try {
    const found = await page.waitForFunction(
      (w) => (window.__viewcountMessages || []).find((m) => m.message === 'views' && Object.entries(w).every(([k, v]) => m[k] === v)),
      want,
      { timeout, polling: 100 },
    );
    return await found.jsonValue();
  } catch (error) {
    const seen = await page.evaluate(() => JSON.stringify(window.__viewcountMessages)).catch(() => '?');
    throw new Error(`no views push matching ${JSON.stringify(want)} within ${timeout} ms; seen: ${seen}`, { cause: error });
  }
}

// Resolves with the first `views` frame the page sends on a WebSocket. Call it before the page loads.
export function nextViewSent(page, timeout = WAIT) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${page.url()} sent no views frame within ${timeout} ms`)), timeout);
    page.on('websocket', (ws) =>
      ws.on('framesent', ({ payload }) => {
        let frame;
        try {
          frame = JSON.parse(payload);
        } catch {
          return;
        }
        if (frame?.message !== 'views') return;
        clearTimeout(timer);
        resolve(frame);
      }),
    );
  });
}

// The articles' counts from a `counts` request (as an index page makes; no view is counted), sent on a
// WebSocket of its own from a page of the blog's origin (an allowed origin) opened in `context`: the site's
// 404 page, which runs no client. (Not a page.route() stub: Chromium's local network access checks block
// such a page's WebSocket to 127.0.0.1.)
export async function requestCounts(context, stack, articleIds, timeout = WAIT) {
  const page = await context.newPage();
  try {
    await page.goto(stack.url('/no-such-page-for-a-counts-request'));
    return await page.evaluate(
      ([endpoint, ids, ms]) =>
        new Promise((resolve, reject) => {
          const ws = new WebSocket(endpoint);
          const done = (fn, value) => {
            clearTimeout(timer);
            ws.close();
            fn(value);
          };
          const timer = setTimeout(() => done(reject, new Error(`no counts answer within ${ms} ms`)), ms);
          ws.onopen = () => ws.send(JSON.stringify({ message: 'counts', articleIds: ids }));
          ws.onmessage = (event) => {
            const m = JSON.parse(event.data);
            if (m.message === 'counts') done(resolve, m.counts);
            else if (m.message === 'error') done(reject, new Error(`counts request refused: ${event.data}`));
          };
          ws.onerror = () => done(reject, new Error(`WebSocket to ${endpoint} failed`));
        }),
      [stack.wsUrl, articleIds, timeout],
    );
  } finally {
    await page.close();
  }
}

// Registers before/after hooks in the calling describe(): a fresh local stack and a human-like Chromium.
// `stackArgs()` gives the stack's further arguments (e.g. ['--site', folder]), asked for in the hook, so
// that a site built by an earlier hook can be named. env.newContext(options) opens a context of that
// browser that looks like a person's (humanContext()).
export function withStackAndBrowser(stackArgs = () => []) {
  const env = {
    stack: new LocalStack(),
    browser: undefined,
    newContext: (options) => humanContext(env.browser, options),
  };
  before(async () => {
    env.browser = await launchBrowser();
    await env.stack.start('--reset', ...stackArgs());
  });
  after(async () => {
    await env.browser?.close();
    await env.stack.dispose();
  });
  return env;
}

// ---- the dashboard's tests: the stack's clock, ./admin.sh, the sites' days -----------------------------

// Tests only: a file for VIEWCOUNT_LOCAL_CLOCK_FILE (local_stack/clock.py), which shifts the time the local
// stack stamps on requests, so that views can be sent on another day. Give `env` to new LocalStack({ env }).
export function stackClock() {
  const dir = mkdtempSync(path.join(tmpdir(), 'viewcount-clock-'));
  const file = path.join(dir, 'offset');
  return {
    env: { VIEWCOUNT_LOCAL_CLOCK_FILE: file },
    // Replaced atomically: the stack reads the file on every request.
    set(seconds) {
      writeFileSync(`${file}.new`, `${seconds}\n`);
      renameSync(`${file}.new`, file);
    },
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}

// Runs ./admin.sh with the stack's data directory; resolves with its stdout, rejects with its output.
// Open the dashboard and sign in with a key as its owner does; resolves once its first stats are drawn.
export async function signInToDashboard(page, stack, key, timeout = WAIT) {
  await page.goto(stack.dashboardUrl);
  await page.fill('#signin input[name=key]', key);
  await page.click('#signin button[type=submit]');
  await page.waitForFunction(() => document.body.dataset.ready === '1', null, { timeout });
}

export function admin(stack, ...args) {
  return new Promise((resolve, reject) => {
    execFile(path.join(ROOT, 'admin.sh'), [...args, '--data-dir', stack.dataDir], { cwd: ROOT, timeout: 60000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`./admin.sh ${args.join(' ')} failed (${error.code ?? error.signal}):\n${stdout}${stderr}`));
      else resolve(stdout);
    });
  });
}

// The value of a `Name: value` line of a command's output.
export function outputLine(output, name) {
  const line = output.split('\n').find((l) => l.startsWith(`${name}: `));
  if (!line) throw new Error(`no "${name}: " line in:\n${output}`);
  return line.slice(name.length + 2).trim();
}

// The day (YYYY-MM-DD) in an IANA time zone at a moment (epoch ms), as the site's day is.
export const dayIn = (timeZone, ms = Date.now()) =>
  new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(ms));

// The day before or after a YYYY-MM-DD day.
export const shiftDay = (day, days) => new Date(Date.parse(`${day}T00:00:00Z`) + days * 86400000).toISOString().slice(0, 10);

// A time zone where it is about noon now (an Etc/GMT zone): no midnight falls within a test, and a view stamped
// a day back is well inside the 48 hours in which the stack still records it.
export function zoneNearNoon(ms = Date.now()) {
  const hours = 12 - new Date(ms).getUTCHours(); // -11..12
  if (hours === 0) return 'UTC';
  return hours > 0 ? `Etc/GMT-${hours}` : `Etc/GMT+${-hours}`; // Etc/GMT-3 is UTC+3
}
