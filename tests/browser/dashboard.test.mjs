// The dashboard against the local stack: readers of the demo blog (two sites of one deployment) view pages
// from other sites' links and from tagged (utm_) links, yesterday and today (the stack's clock shifted for
// yesterday's views); then the owner signs in and reads exactly that trace, sees a new view live, and a
// share link sees its own site only until it is revoked (./admin.sh creates and revokes it while the stack is
// stopped, as an operator does). Every expected number is computed from the trace.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import {
  admin, dayIn, humanContext, humanUserAgent, launchBrowser, LocalStack, nextViewSent, outputLine, ROOT, shiftDay,
  signInToDashboard, stackClock, WAIT, zoneNearNoon,
} from './helpers.mjs';

const DAY_SECONDS = 86400;
// Every site's days are in this zone, where it is about noon: no midnight falls within the test.
const ZONE = zoneNearNoon();
const SITES = ['blog', 'notes']; // the demo blog twice, on two ports
const DEMO = path.join(ROOT, 'local_stack', 'demo_blog');
// The stack's arguments, the same on every start (a restart without --reset keeps the counts).
const STACK_ARGS = [...SITES.flatMap((id) => ['--site', `${id}=demo`]), '--time-zone', ZONE];

const HN = 'https://news.ycombinator.com/item?id=4242';
const GOOGLE = 'https://www.google.com/search?q=cookieless+analytics';
const MASTODON = 'https://mastodon.social/@viewcount/1';
const NEWSLETTER = 'utm_source=newsletter&utm_medium=email&utm_campaign=launch';

// day: 0 today, -1 yesterday; reader: a browser of its own (its User-Agent), so a visitor of its own.
const TRACE = [
  { day: -1, reader: 'ana', path: `/posts/hello-viewcount?${NEWSLETTER}` },
  { day: -1, reader: 'ana', path: '/posts/websockets-on-a-budget', referer: HN },
  { day: -1, reader: 'ben', path: '/posts/hello-viewcount', referer: GOOGLE },
  { day: -1, reader: 'ben', path: '/posts/exactly-once-is-a-design', referer: HN },
  { day: -1, reader: 'cai', path: '/posts/hello-viewcount?utm_source=newsletter&utm_campaign=launch' },
  { day: 0, reader: 'ana', path: `/posts/hello-viewcount?${NEWSLETTER}` },
  { day: 0, reader: 'dee', path: '/posts/websockets-on-a-budget?utm_source=mastodon&utm_campaign=launch', referer: MASTODON },
  { day: 0, reader: 'dee', path: '/posts/hello-viewcount', referer: 'https://www.google.com/' },
  { day: 0, reader: 'eli', path: '/pages/about', referer: HN },
  { day: 0, reader: 'eli', path: '/posts/exactly-once-is-a-design' },
  { day: 0, reader: 'ana', path: '/posts/websockets-on-a-budget' },
  { day: 0, reader: 'fay', site: 'notes', path: '/posts/hello-viewcount', referer: HN },
  { day: 0, reader: 'fay', site: 'notes', path: '/pages/contacts' },
  { day: 0, reader: 'gil', site: 'notes', path: '/posts/hello-viewcount' },
];
// A bot's view of today (a headless browser's User-Agent): tallied apart, never in the views.
const BOT_VIEW = { path: '/posts/hello-viewcount' };
// The view sent while the owner's dashboard is open.
const LIVE_VIEW = { day: 0, reader: 'gus', path: '/posts/hello-viewcount', referer: GOOGLE };

// ---- what the trace should show: the server's rules, applied to the views sent ------------------------------

const referrerHost = (url) => new URL(url).hostname.toLowerCase().replace(/^www\./, '');

// A page's key and label as the dashboard names it: a post by its id (the slug) with its title, the named pages
// of the demo blog by their names.
function pageOf(pathname) {
  const clean = pathname.split('?')[0];
  const post = /^\/posts\/([\w.~-]+)$/.exec(clean);
  if (post) {
    const html = readFileSync(path.join(DEMO, 'posts', `${post[1]}.html`), 'utf8');
    return { key: `post#${post[1]}`, label: /<title>([^<]*)<\/title>/.exec(html)[1] };
  }
  const named = { '/': 'Home_Page', '/pages/about': 'About_Page', '/pages/contacts': 'Contact_Page' }[clean];
  assert.ok(named, `the trace has a page the test cannot name: ${pathname}`);
  return { key: `page#${named}`, label: named };
}

const campaignsOf = (pathname) =>
  [...new URL(pathname, 'http://x').searchParams].filter(([name]) => /^utm_(source|medium|campaign)$/.test(name)).map(([n, v]) => [n, v.toLowerCase()]);

// Rows sorted by views, most first.
const ranked = (counts, row) => [...counts].map(([key, n]) => row(key, n)).sort((a, b) => Number(b.views) - Number(a.views));

// The lists compared are made so that no two rows tie: their order is then the views' alone.
function untied(rows) {
  const views = rows.map((r) => r.views);
  assert.equal(new Set(views).size, views.length, `the trace ties rows of a list: ${JSON.stringify(rows)}`);
  return rows;
}

const count = (map, key, n = 1) => map.set(key, (map.get(key) ?? 0) + n);

function expected(views, site, days) {
  const mine = views.filter((v) => (v.site ?? 'blog') === site && days.includes(v.dayText));
  const perDay = days.map((day) => {
    const those = mine.filter((v) => v.dayText === day);
    return { day, views: String(those.length), visitors: String(new Set(those.map((v) => v.reader)).size) };
  });
  const pages = new Map();
  const labels = new Map();
  const referrers = new Map();
  const campaigns = new Map();
  for (const v of mine) {
    const page = pageOf(v.path);
    count(pages, page.key);
    labels.set(page.key, page.label);
    if (v.referer) count(referrers, referrerHost(v.referer));
    for (const [name, value] of campaignsOf(v.path)) count(campaigns, `${name}:${value}`);
  }
  return {
    totals: {
      views: String(mine.length),
      visitors: String(perDay.reduce((sum, d) => sum + Number(d.visitors), 0)),
    },
    days: perDay,
    pages: ranked(pages, (key, n) => ({ key, label: labels.get(key), views: String(n) })),
    referrers: ranked(referrers, (host, n) => ({ key: `referrer:${host}`, label: host, views: String(n) })),
    campaigns: ranked(campaigns, (key, n) => ({ key, label: key.replace(':', '='), views: String(n) })),
  };
}

// ---- what the dashboard shows ----------------------------------------------------------------------------------

const shown = (page) =>
  page.evaluate(() => {
    const text = (el, sel) => el.querySelector(sel)?.textContent.trim();
    const list = (id) =>
      [...document.querySelectorAll(`#${id} > li`)].map((li) => ({ key: li.dataset.key, label: text(li, '.label'), views: text(li, '.views') }));
    return {
      totals: { views: text(document, '[data-total=views]'), visitors: text(document, '[data-total=visitors]') },
      days: [...document.querySelectorAll('#chart-table tbody tr')].map((tr) => ({
        day: tr.dataset.day, views: text(tr, 'td.views'), visitors: text(tr, 'td.visitors'),
      })),
      pages: list('top-pages'),
      referrers: list('referrers'),
      campaigns: list('campaigns'),
    };
  });

// Waits until the dashboard shows exactly the days of a range (the newest stats drawn) and nothing is loading.
async function waitForRange(page, days) {
  try {
    await page.waitForFunction(
      (want) =>
        document.body.dataset.ready === '1' &&
        !document.body.dataset.loading &&
        JSON.stringify([...document.querySelectorAll('#chart-table tbody tr')].map((tr) => tr.dataset.day)) === JSON.stringify(want),
      days,
      { timeout: WAIT, polling: 100 },
    );
  } catch (error) {
    const state = await page.evaluate(() => ({
      status: document.querySelector('#status')?.textContent, rows: document.querySelectorAll('#chart-table tbody tr').length,
    }));
    throw new Error(`the dashboard did not show ${days.join('..')}: ${JSON.stringify(state)}`, { cause: error });
  }
}

async function waitForText(page, selector, want, timeout = WAIT) {
  try {
    await page.waitForFunction(([sel, w]) => document.querySelector(sel)?.textContent.trim() === w, [selector, want], { timeout, polling: 100 });
  } catch (error) {
    const actual = await page.evaluate((sel) => document.querySelector(sel)?.textContent.trim(), selector);
    throw new Error(`${selector}: expected "${want}", still "${actual}"`, { cause: error });
  }
}

// Polls until `probe` answers { done: true, value }; `what` names it in the error.
async function until(what, probe, timeout = 2 * WAIT) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const { done, value } = await probe();
    if (done) return value;
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(value)} after ${timeout} ms`);
    await sleep(250);
  }
}

describe('the dashboard', () => {
  const clock = stackClock();
  const stack = new LocalStack({ env: clock.env });
  const readers = new Map(); // name -> { context, tab }
  const sent = []; // the views sent, with the site's day each was stamped on and the frame the client sent
  let browser;
  let ownerKey;
  let today;
  let yesterday;

  // An error's body is the wire contract's error frame: {"message": "error", "error": {"code", "detail"}}.
  const apiGet = async (pathname, key, origin = stack.dashboardUrl.slice(0, -1)) => {
    const res = await fetch(stack.httpApiUrl + pathname, { headers: { authorization: `Bearer ${key}`, origin } });
    return { status: res.status, body: await res.json().catch(() => null) };
  };

  // The site's views so far, as its pages' GET /counts reads them (the site's totals).
  const siteViews = async (site) => {
    const origin = stack.siteOrigin(SITES.indexOf(site));
    const res = await fetch(`${stack.httpApiUrl}/counts?paths=/`, { headers: { origin } });
    return (await res.json()).site?.totalViews ?? 0;
  };

  // One page load by a reader, counted before it returns: yesterday's too, whose readers get no push (their
  // connections are stamped a day old, past API Gateway's 2 hours), so the site's totals are read instead.
  async function view(step) {
    const site = step.site ?? 'blog';
    let reader = readers.get(step.reader);
    if (!reader) {
      const context = await humanContext(browser, { userAgent: `${humanUserAgent(browser)} reader-${step.reader}` });
      reader = { context, tab: await context.newPage() };
      readers.set(step.reader, reader);
    }
    const before = await siteViews(site);
    const frame = nextViewSent(reader.tab);
    await reader.tab.goto(stack.siteOrigin(SITES.indexOf(site)) + step.path, step.referer ? { referer: step.referer } : {});
    const dayText = step.day === 0 ? today : yesterday;
    sent.push({ ...step, site, dayText, frame: await frame });
    await until(`the view of ${step.path} by ${step.reader} (${site}) counted`, async () => {
      const now = await siteViews(site);
      return { done: now === before + 1, value: now };
    });
  }

  async function closeReaders() {
    for (const { context } of readers.values()) await context.close();
    readers.clear();
  }

  // Sign in on a fresh dashboard tab with a key; resolves once the first stats are drawn.
  async function signIn(key) {
    const context = await humanContext(browser);
    const page = await context.newPage();
    await signInToDashboard(page, stack, key);
    return { context, page };
  }

  // What an operator does for a command that writes (share-link create and revoke): stop the local stack, run it,
  // start the stack again on the same ports and data dir. Its counts come back from the data dir; today's readers,
  // whose tabs stay open, reconnect.
  async function adminWhileStopped(...args) {
    await stack.stop();
    try {
      return await admin(stack, ...args);
    } finally {
      await stack.start(...STACK_ARGS);
    }
  }

  async function chooseRange(page, from, to) {
    await page.selectOption('#range', 'custom');
    await page.fill('#from', from);
    await page.fill('#to', to);
    await waitForRange(page, from === to ? [from] : [from, to]);
  }

  before(async () => {
    browser = await launchBrowser();
    await stack.start('--reset', ...STACK_ARGS);
    // The key while the stack runs, as its banner says to get it.
    ownerKey = outputLine(await admin(stack, 'dashboard-url'), 'Key');
    today = dayIn(ZONE);
    yesterday = shiftDay(today, -1);

    clock.set(-DAY_SECONDS);
    for (const step of TRACE.filter((s) => s.day === -1)) await view(step);
    // Yesterday's readers have left; today's keep their tabs open (they are reading now).
    await closeReaders();
    clock.set(0);
    for (const step of TRACE.filter((s) => s.day === 0)) await view(step);

    const bot = await humanContext(browser, { userAgent: humanUserAgent(browser).replace('Chrome/', 'HeadlessChrome/') });
    const botTab = await bot.newPage();
    const botFrame = nextViewSent(botTab);
    await botTab.goto(stack.siteOrigin(0) + BOT_VIEW.path);
    await botFrame;
    await until('the bot view tallied', async () => {
      const stats = await apiGet(`/dashboard/stats?site=blog&from=${today}&to=${today}`, ownerKey);
      return { done: stats.body?.totals?.botViews === 1, value: stats.body?.totals ?? stats };
    });
    await bot.close();
    assert.equal(dayIn(ZONE), today, 'the site changed day during the test');
  });

  after(async () => {
    await browser?.close();
    await stack.dispose();
    clock.dispose();
  });

  test('the owner signs in and sees exactly the views of both days: totals, chart, top pages, referrers', async () => {
    const { context, page } = await signIn(ownerKey);
    try {
      await chooseRange(page, yesterday, today);
      const want = expected(sent, 'blog', [yesterday, today]);
      const got = await shown(page);
      assert.deepEqual(got.totals, want.totals);
      assert.deepEqual(got.days, want.days);
      assert.deepEqual(got.pages, untied(want.pages));
      assert.deepEqual(got.referrers, untied(want.referrers));
      // One bot view, today; the two days before had nothing, so every total is new.
      assert.equal((await page.textContent('[data-total=bots]')).trim(), '1');
      assert.equal((await page.textContent('#bots li[data-reason=headless] .views')).trim(), '1');
      for (const name of ['views', 'visitors', 'bots']) {
        assert.equal((await page.textContent(`[data-change=${name}]`)).trim(), 'new', `the change of ${name}`);
      }
      // Only yesterday, then only today: each day on its own.
      for (const day of [yesterday, today]) {
        await chooseRange(page, day, day);
        const one = expected(sent, 'blog', [day]);
        assert.deepEqual((await shown(page)).totals, one.totals, day);
      }
      // The owner sees both sites; the other site's numbers are its own.
      assert.deepEqual(await page.$$eval('#site-picker option', (os) => os.map((o) => o.value)), SITES);
      await page.selectOption('#site-picker', 'notes');
      await chooseRange(page, yesterday, today);
      const notes = expected(sent, 'notes', [yesterday, today]);
      const gotNotes = await shown(page);
      assert.deepEqual(gotNotes.totals, notes.totals);
      assert.deepEqual(gotNotes.pages, untied(notes.pages));
    } finally {
      await context.close();
    }
  });

  test("the campaign tags of the pages' URLs are listed", async () => {
    const { context, page } = await signIn(ownerKey);
    try {
      await chooseRange(page, yesterday, today);
      const want = untied(expected(sent, 'blog', [yesterday, today]).campaigns);
      assert.ok(want.length > 0);
      const tagged = sent.filter((v) => campaignsOf(v.path).length).map((v) => `${v.path} -> ${v.frame.currentPage}`);
      assert.deepEqual(
        (await shown(page)).campaigns,
        want,
        `views of tagged URLs, as the client sent their currentPage:\n  ${tagged.join('\n  ')}`,
      );
    } finally {
      await context.close();
    }
  });

  test('a view sent while the dashboard is open shows up live: today, its total and reading now', async () => {
    const { context, page } = await signIn(ownerKey);
    try {
      await chooseRange(page, yesterday, today);
      await waitForText(page, '[data-live=state]', 'live');
      const todays = expected(sent, 'blog', [today]).days[0];
      await waitForText(page, '[data-live=today-views]', todays.views);
      await waitForText(page, '[data-live=today-visitors]', todays.visitors);
      // Today's readers of the blog still have their tabs open.
      const readingNow = new Set(sent.filter((v) => v.site === 'blog' && v.dayText === today).map((v) => v.reader)).size;
      await waitForText(page, '[data-live=reading]', String(readingNow));

      await view(LIVE_VIEW);
      const after = expected(sent, 'blog', [yesterday, today]);
      await waitForText(page, '[data-live=today-views]', String(Number(todays.views) + 1));
      await waitForText(page, '[data-live=today-visitors]', String(Number(todays.visitors) + 1));
      await waitForText(page, '[data-live=reading]', String(readingNow + 1));
      await waitForText(page, '[data-total=views]', after.totals.views);
      await waitForText(page, `#chart-table tr[data-day="${today}"] td.views`, after.days[1].views);
    } finally {
      await context.close();
    }
  });

  test('a wrong key is refused, and no stats are shown', async () => {
    const context = await humanContext(browser);
    try {
      const page = await context.newPage();
      await page.goto(stack.dashboardUrl);
      const wrong = [...ownerKey].reverse().join('') === ownerKey ? `x${ownerKey.slice(1)}` : [...ownerKey].reverse().join('');
      await page.fill('#signin input[name=key]', wrong);
      const answer = page.waitForResponse((r) => r.url().includes('/dashboard/sites') && r.request().method() === 'GET');
      await page.click('#signin button[type=submit]');
      assert.equal((await answer).status(), 401);
      await page.waitForFunction(() => document.querySelector('#signin-error')?.textContent.trim(), null, { timeout: WAIT });
      const error = (await page.textContent('#signin-error')).trim();
      assert.ok(!error.includes(wrong), 'the refusal must not repeat the key');
      assert.equal(await page.isVisible('#stats-view'), false);
      assert.equal(await page.evaluate(() => document.body.dataset.ready), undefined);
    } finally {
      await context.close();
    }
  });

  test('a share link sees its own site only, and once revoked it is refused', async () => {
    const created = await adminWhileStopped('share-link', 'create', '--site', 'blog', '--label', 'test');
    const link = outputLine(created, 'Link');
    const id = outputLine(created, 'Id').split(' ')[0];
    const token = new URLSearchParams(new URL(link).hash.slice(1)).get('share');
    assert.match(token ?? '', /^s\.blog\./, `the link ${link} holds no share token of blog`);
    assert.equal(new URL(link).origin, new URL(stack.dashboardUrl).origin, "the link opens the stack's dashboard");
    // The operator's list (it works while the stack runs) shows the link by its id and label.
    assert.match(await admin(stack, 'share-link', 'list', '--site', 'blog'), new RegExp(`^${id} .* test$`, 'm'));

    const context = await humanContext(browser);
    try {
      const page = await context.newPage();
      await page.goto(link);
      await page.waitForFunction(() => document.body.dataset.ready === '1', null, { timeout: WAIT });
      // The token left the address bar.
      assert.equal(new URL(page.url()).hash, '');
      assert.equal(await page.isVisible('#signin'), false);
      assert.equal(await page.isVisible('#site-picker'), false);
      assert.deepEqual(await page.$$eval('#site-picker option', (os) => os.map((o) => o.value)), ['blog']);
      await chooseRange(page, yesterday, today);
      const want = expected(sent, 'blog', [yesterday, today]);
      const got = await shown(page);
      assert.deepEqual(got.totals, want.totals);
      assert.deepEqual(got.days, want.days);
      assert.deepEqual(got.pages, untied(want.pages));
    } finally {
      await context.close();
    }
    // Asked directly, the API gives the token its own site and nothing of the other's.
    const sites = await apiGet('/dashboard/sites', token);
    assert.equal(sites.status, 200);
    assert.equal(sites.body.role, 'share');
    assert.deepEqual(sites.body.sites.map((s) => s.id), ['blog']);
    const other = await apiGet(`/dashboard/stats?site=notes&from=${yesterday}&to=${today}`, token);
    assert.equal(other.status, 403);
    assert.equal(other.body?.error?.code, 'forbidden_site', JSON.stringify(other.body));

    assert.match(await adminWhileStopped('share-link', 'revoke', id, '--site', 'blog'), new RegExp(`Revoked the share link ${id} of blog`));
    const revoked = await humanContext(browser);
    try {
      const page = await revoked.newPage();
      const answer = page.waitForResponse((r) => r.url().includes('/dashboard/sites') && r.request().method() === 'GET');
      await page.goto(link);
      assert.equal((await answer).status(), 401);
      // The refusal is shown (in the sign-in form's error, or as the page's error status), and no stats.
      const refusal = await page.waitForFunction(
        () => {
          const status = document.querySelector('#status');
          return document.querySelector('#signin-error')?.textContent.trim() || (status?.dataset.kind === 'error' && status.textContent.trim());
        },
        null,
        { timeout: WAIT },
      );
      const shownRefusal = await refusal.jsonValue();
      assert.match(shownRefusal, /not accepted|revoked/i, 'the refusal says the link was refused');
      assert.ok(!shownRefusal.includes(token), 'the refusal must not repeat the token');
      assert.equal(await page.isVisible('#stats-view'), false);
      assert.equal(await page.evaluate(() => document.body.dataset.ready), undefined);
    } finally {
      await revoked.close();
    }
    const refused = await apiGet('/dashboard/sites', token);
    assert.equal(refused.status, 401);
    assert.equal(refused.body?.error?.code, 'unauthorized', JSON.stringify(refused.body));
  });
});
