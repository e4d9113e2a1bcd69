// Screenshot of the dashboard on a small, realistic blog, for README.md:
//   node tools/dashboard_screenshot.mjs [out.png]     default docs/images/dashboard.png (1280x900)
// Needs what the browser tier needs (./test.sh --tier browser installs it).
//
// The demo blog, in Europe/Berlin, with a month of numbers. The local stack records a view only within
// 48 hours of its day (as in AWS), so its clock (VIEWCOUNT_LOCAL_CLOCK_FILE, tests only) can move views to
// yesterday but not further: the four weeks before come as a GoatCounter export (made up here, seeded),
// imported with ./admin.sh import while the stack is stopped, as a blog moving from GoatCounter would.
// Yesterday and today are real page loads in Chromium, with referrers and tagged links, and a bot.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  admin, dayIn, humanContext, humanUserAgent, launchBrowser, LocalStack, nextViewSent, outputLine, ROOT, shiftDay,
  signInToDashboard, stackClock,
} from '../tests/browser/helpers.mjs';

const out = path.resolve(process.argv[2] ?? path.join(ROOT, 'docs', 'images', 'dashboard.png'));
const ZONE = 'Europe/Berlin';
const IMPORTED_DAYS = 58; // the days before yesterday: the month shown and the month before, for its change

const POSTS = {
  '/posts/hello-viewcount': 'Hello, Viewcount',
  '/posts/websockets-on-a-budget': 'WebSockets on a budget',
  '/posts/exactly-once-is-a-design': 'Exactly once is a design',
  '/posts/cookieless-unique-visitors': 'Cookieless unique visitors',
  '/posts/the-cost-of-a-million-views': 'The cost of a million views',
};
const PAGES = { '/': 'Viewcount demo blog', '/pages/about': 'About', ...POSTS };
// How often each page is read, and where readers come from (GoatCounter's referrer and its scheme).
const PAGE_WEIGHTS = [['/', 18], ['/pages/about', 4], ['/posts/hello-viewcount', 9], ['/posts/websockets-on-a-budget', 14],
  ['/posts/exactly-once-is-a-design', 7], ['/posts/cookieless-unique-visitors', 11], ['/posts/the-cost-of-a-million-views', 6]];
const SOURCES = [[['', ''], 45], [['www.google.com/', 'h'], 20], [['duckduckgo.com/', 'h'], 6], [['lobste.rs/s/x1', 'h'], 4],
  [['mastodon.social/@viewcount', 'h'], 5], [['news.ycombinator.com/item', 'h'], 5], [['newsletter', 'c'], 8],
  [['reddit.com/r/selfhosted', 'h'], 3]];

// A seeded generator (mulberry32): the same picture every run.
function random(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const pick = (rand, weighted) => {
  let left = rand() * weighted.reduce((sum, [, w]) => sum + w, 0);
  for (const [value, w] of weighted) if ((left -= w) < 0) return value;
  return weighted.at(-1)[0];
};

// GoatCounter's CSV export (format version 2): one row per page view, a session per reader and day.
function goatCounterExport(today) {
  const rand = random(20261207);
  const header = '2Path,Title,Event,UserAgent,Browser,System,Session,Bot,Referrer,Referrer scheme,Screen size,Location,FirstVisit,Date';
  const rows = [header];
  for (let ago = IMPORTED_DAYS + 1; ago >= 2; ago--) {
    const day = shiftDay(today, -ago);
    const weekday = new Date(`${day}T12:00:00Z`).getUTCDay();
    // Quieter weekends, a slow rise, and one day on Hacker News's front page.
    let readers = Math.round((weekday === 0 || weekday === 6 ? 3 : 6) + (IMPORTED_DAYS - ago) * 0.12 + rand() * 3);
    const onHn = ago === 9;
    if (onHn) readers += 22;
    for (let r = 0; r < readers; r++) {
      const session = `${day.replaceAll('-', '')}${String(r).padStart(4, '0')}`;
      let [referrer, scheme] = onHn && r < 22 ? ['news.ycombinator.com/item', 'h'] : pick(rand, SOURCES);
      const first = onHn && r < 22 ? '/posts/websockets-on-a-budget' : pick(rand, PAGE_WEIGHTS);
      const visited = new Set();
      let pathname = first;
      const pages = 1 + (rand() < 0.35 ? 1 + Math.floor(rand() * 3) : 0);
      for (let n = 0; n < pages; n++) {
        const when = new Date(Date.parse(`${day}T07:00:00Z`) + (r / readers) * 14 * 3600e3 + n * 90e3);
        rows.push([pathname, `"${PAGES[pathname]}"`, 'false', '', '', '', session, '0', referrer, scheme, '', '',
          String(!visited.has(pathname)), when.toISOString().replace('.000Z', 'Z')].join(','));
        visited.add(pathname);
        [referrer, scheme] = ['', ''];
        pathname = pick(rand, PAGE_WEIGHTS);
      }
    }
  }
  return `${rows.join('\n')}\n`;
}

// Yesterday's and today's page loads: [reader, path, referrer].
const LIVE = {
  '-1': [['ada', '/posts/cookieless-unique-visitors', 'https://www.google.com/'], ['ada', '/posts/hello-viewcount'],
    ['bo', '/?utm_source=newsletter&utm_medium=email&utm_campaign=december', null], ['bo', '/posts/the-cost-of-a-million-views'],
    ['cy', '/posts/websockets-on-a-budget', 'https://lobste.rs/s/x1'], ['di', '/posts/websockets-on-a-budget', 'https://duckduckgo.com/'],
    ['ed', '/', null], ['ed', '/pages/about'], ['fu', '/posts/exactly-once-is-a-design', 'https://mastodon.social/@viewcount'],
    ['gr', '/posts/cookieless-unique-visitors', 'https://www.google.com/'], ['gr', '/'], ['hu', '/posts/hello-viewcount', null]],
  0: [['gi', '/posts/websockets-on-a-budget', 'https://news.ycombinator.com/item?id=4242'], ['ha', '/', null],
    ['ha', '/posts/cookieless-unique-visitors'], ['io', '/posts/hello-viewcount', 'https://www.google.com/'],
    ['ju', '/?utm_source=newsletter&utm_medium=email&utm_campaign=december', null], ['ju', '/posts/exactly-once-is-a-design'],
    ['ka', '/posts/websockets-on-a-budget', 'https://news.ycombinator.com/item?id=4242'],
    ['lu', '/posts/the-cost-of-a-million-views', 'https://www.google.com/'], ['lu', '/'],
    ['mo', '/posts/cookieless-unique-visitors', 'https://duckduckgo.com/']],
};

const hourIn = (zone) => Number(new Intl.DateTimeFormat('en-GB', { timeZone: zone, hour: '2-digit', hourCycle: 'h23' }).format(new Date()));
if (hourIn(ZONE) === 23 || hourIn(ZONE) === 0) {
  console.error(`dashboard_screenshot: it is about midnight in ${ZONE}; run it again in an hour (views sent now could land on two days)`);
  process.exit(1);
}

const work = mkdtempSync(path.join(tmpdir(), 'viewcount-screenshot-'));
const clock = stackClock();
const stack = new LocalStack({ env: clock.env });
const browser = await launchBrowser();
try {
  const args = ['--site', 'blog=demo', '--time-zone', ZONE];
  await stack.start('--reset', ...args);
  const today = dayIn(ZONE);
  await stack.stop();
  const file = path.join(work, 'goatcounter-export.csv');
  writeFileSync(file, goatCounterExport(today));
  console.log((await admin(stack, 'import', file, '--site', 'blog', '--format', 'goatcounter')).trim());
  await stack.start(...args);

  const siteViews = async () => {
    const res = await fetch(`${stack.httpApiUrl}/counts?paths=/`, { headers: { origin: stack.origin } });
    return (await res.json()).site?.totalViews ?? 0;
  };
  const readers = new Map();
  for (const day of ['-1', '0']) {
    clock.set(Number(day) * 86400);
    for (const [name, pathname, referer] of LIVE[day]) {
      if (!readers.has(name)) {
        const context = await humanContext(browser, { userAgent: `${humanUserAgent(browser)} ${name}` });
        readers.set(name, { context, tab: await context.newPage() });
      }
      const before = await siteViews();
      await readers.get(name).tab.goto(stack.url(pathname), referer ? { referer } : {});
      for (let waited = 0; (await siteViews()) === before; waited += 200) {
        if (waited > 30000) throw new Error(`the view of ${pathname} was not counted`);
        await sleep(200);
      }
    }
    if (day === '-1') {
      for (const { context } of readers.values()) await context.close();
      readers.clear();
    }
  }
  const bot = await humanContext(browser, { userAgent: humanUserAgent(browser).replace('Chrome/', 'HeadlessChrome/') });
  const botTab = await bot.newPage();
  const botView = nextViewSent(botTab);
  await botTab.goto(stack.url('/posts/hello-viewcount'));
  await botView;

  const key = outputLine(await admin(stack, 'dashboard-url'), 'Key');
  const context = await humanContext(browser, { viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  await signInToDashboard(page, stack, key, 30000);
  await page.waitForFunction(() => !document.body.dataset.loading, null, { timeout: 30000 });
  await page.waitForFunction(() => document.querySelector('[data-live=state]')?.textContent.trim() === 'live', null, { timeout: 30000 });
  await page.evaluate(() => document.activeElement?.blur());
  await page.screenshot({ path: out });
  const totals = await page.evaluate(() =>
    Object.fromEntries(['views', 'visitors', 'bots'].map((k) => [k, document.querySelector(`[data-total=${k}]`)?.textContent.trim()])),
  );
  console.log(`saved ${path.relative(process.cwd(), out)}: ${JSON.stringify(totals)}`);
} finally {
  await browser.close();
  await stack.dispose();
  clock.dispose();
  rmSync(work, { recursive: true, force: true });
}
