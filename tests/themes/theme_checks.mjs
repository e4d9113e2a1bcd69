// What a reader of a themed blog expects, checked in Chromium on a built site (build.mjs) served by the
// local stack: every counter the theme shows holds a number the reader can see, on every kind of page;
// a second tab moves with the first; a reload counts; one reader is one visitor; and with pjax, a
// clicked link counts the new page and shows its numbers.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { humanContext, humanUserAgent, WAIT, withStackAndBrowser } from '../browser/helpers.mjs';
import { requireBuilt } from './build.mjs';

// The kinds of page a reader of a blog sees, in the order the first reader opens them.
export const PAGE_KINDS = ['home', 'post', 'tag', 'archive', 'category', 'about'];

// Every element a busuanzi- or vercount-style script fills, with the number it stands for.
const SLOT_SELECTOR = '[id^="busuanzi_value_"], [class*="busuanzi_value_"], [id^="vercount_value_"]';

// Nothing from outside may hold a page up: the machine has no internet, and a reader's browser would
// wait on a CDN that never answers. Requests for other hosts fail at once, as an ad blocker's would.
export async function offlineContext(browser, options = {}) {
  const context = await humanContext(browser, { viewport: { width: 1366, height: 900 }, ...options });
  await context.route(
    (url) => url.hostname !== '127.0.0.1',
    (route) => route.abort('internetdisconnected'),
  );
  return context;
}

// What the page shows in each slot: { field: [{ text, visible, hiddenBy }] }, field as "site_pv".
// visible is the browser's own answer (checkVisibility: display, content-visibility, visibility and
// opacity of the element and its ancestors); hiddenBy names the outermost ancestor that hides it.
const readSlots = (page) =>
  page.evaluate((selector) => {
    const describe = (el) => el.tagName.toLowerCase() + (el.id ? `#${el.id}` : '') + (el.className && typeof el.className === 'string' ? `.${el.className.trim().split(/\s+/).join('.')}` : '');
    const hider = (el) => {
      let found;
      for (let node = el; node && node !== document.documentElement; node = node.parentElement) {
        const style = getComputedStyle(node);
        if (style.display === 'none' || style.visibility === 'hidden' || Number(style.opacity) === 0 || node.hidden) found = node;
      }
      return found ? describe(found) + (found.hidden ? '[hidden]' : ` (display: ${getComputedStyle(found).display})`) : undefined;
    };
    const slots = {};
    for (const el of document.querySelectorAll(selector)) {
      const name = /(?:busuanzi|vercount)_value_((?:page|site)_(?:pv|uv))/.exec(`${el.id} ${el.className}`)?.[1];
      if (!name) continue;
      const visible = el.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true }) && el.getClientRects().length > 0;
      (slots[name] ??= []).push({ text: el.textContent.trim(), visible, hiddenBy: visible ? undefined : hider(el) });
    }
    return slots;
  }, SLOT_SELECTOR);

const isNumber = (text) => /^\d+$/.test(text);

// Waits until every slot of the page shows a number the reader can see, with `want` (e.g.
// { site_pv: 3, page_pv: 1 }) for the fields it names and `required` present; returns the numbers.
export async function waitForVisibleCounts(page, { required = [], want = {} }, timeout = WAIT) {
  const deadline = Date.now() + timeout;
  let slots = {};
  for (;;) {
    slots = await readSlots(page).catch(() => ({}));
    const missing = required.filter((field) => !slots[field]);
    const ready =
      missing.length === 0 &&
      Object.entries(slots).every(([field, all]) => all.every((s) => s.visible && isNumber(s.text) && (want[field] === undefined || Number(s.text) === want[field])));
    if (ready) break;
    if (Date.now() > deadline) {
      throw new Error(
        `${page.url()}: wanted a visible number in every slot${Object.keys(want).length ? ` (${JSON.stringify(want)})` : ''}` +
          `${missing.length ? `; no slot for ${missing.join(', ')}` : ''}; after ${timeout} ms the page shows ${JSON.stringify(slots)}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  // And as Playwright sees the page: each value visible (a display:none ancestor leaves it no box).
  for (const field of Object.keys(slots)) {
    const values = page.locator(`#busuanzi_value_${field}, .busuanzi_value_${field}, #vercount_value_${field}`);
    for (let i = 0; i < (await values.count()); i += 1) {
      assert.equal(await values.nth(i).isVisible(), true, `${page.url()}: ${field} value #${i} is not visible`);
    }
  }
  return Object.fromEntries(Object.entries(slots).map(([field, all]) => [field, Number(all[0].text)]));
}


// theme: { name, site, pages: { home, post, ... }, slots: { home: [fields], ... }, secondPost, pjaxSite }
//   pages: a path for each of PAGE_KINDS; slots: the fields each kind of page must show (the theme's
//   own choice: NexT shows page_pv on posts only); secondPost: a post linked from `post`, for pjax.
export function describeTheme(theme) {
  describe(`${theme.name}: a reader's pages`, () => {
    const env = withStackAndBrowser(() => ['--site', `blog=${requireBuilt(theme.site)}`]);

    test('every counter on every kind of page shows its number, visibly; one reader is one visitor', async () => {
      const context = await offlineContext(env.browser);
      // With the recipe applied, the theme loads Viewcount in busuanzi's place, not beside it: online,
      // busuanzi's script would race Viewcount's for the same slots.
      const busuanzi = [];
      context.on('request', (request) => /busuanzi/i.test(new URL(request.url()).pathname) && busuanzi.push(request.url()));
      try {
        const tab = await context.newPage();
        for (const [index, kind] of PAGE_KINDS.entries()) {
          await tab.goto(env.stack.url(theme.pages[kind]));
          // A fresh stack: the nth page this reader opens is the site's nth view, each page's first.
          await waitForVisibleCounts(tab, {
            required: theme.slots[kind],
            want: { site_pv: index + 1, site_uv: 1, page_pv: 1, page_uv: 1 },
          });
        }
        assert.deepEqual(busuanzi, []);
      } finally {
        await context.close();
      }
    });

    test('a reload counts, and a second tab on the page moves the first one live', async () => {
      const context = await offlineContext(env.browser);
      try {
        const first = await context.newPage();
        await first.goto(env.stack.url(theme.pages.post));
        const before = await waitForVisibleCounts(first, { required: ['page_pv'] });
        await first.reload();
        await waitForVisibleCounts(first, { required: ['page_pv'], want: { page_pv: before.page_pv + 1 } });
        const second = await context.newPage();
        await second.goto(env.stack.url(theme.pages.post));
        await waitForVisibleCounts(second, { required: ['page_pv'], want: { page_pv: before.page_pv + 2 } });
        // No reload of the first tab: the push of the second tab's view reaches it.
        await waitForVisibleCounts(first, { required: ['page_pv'], want: { page_pv: before.page_pv + 2 } });
      } finally {
        await context.close();
      }
    });

    test('another reader is another visitor', async () => {
      const page = theme.slots.post.includes('site_uv') ? theme.pages.post : theme.pages.home;
      const first = await offlineContext(env.browser);
      const other = await offlineContext(env.browser, { userAgent: `${humanUserAgent(env.browser)} other-reader` });
      try {
        const tab = await first.newPage();
        await tab.goto(env.stack.url(page));
        const seen = await waitForVisibleCounts(tab, { required: ['site_uv'] });
        const otherTab = await other.newPage();
        await otherTab.goto(env.stack.url(page));
        await waitForVisibleCounts(otherTab, { required: ['site_uv'], want: { site_uv: seen.site_uv + 1 } });
      } finally {
        await first.close();
        await other.close();
      }
    });
  });

  if (!theme.pjaxSite) return;
  describe(`${theme.name} with pjax`, () => {
    const env = withStackAndBrowser(() => ['--site', `blog=${requireBuilt(theme.pjaxSite)}`]);

    test('a clicked link counts the new page and fills its counters with its own numbers', async () => {
      const context = await offlineContext(env.browser);
      try {
        const tab = await context.newPage();
        await tab.goto(env.stack.url(theme.pages.post));
        await waitForVisibleCounts(tab, { required: ['page_pv'], want: { page_pv: 1 } });
        await tab.reload(); // this post now shows 2, the next one must show its own 1
        const before = await waitForVisibleCounts(tab, { required: ['page_pv'], want: { page_pv: 2 } });
        await tab.evaluate(() => (window.__sameDocument = true));
        await tab.locator(`a[href="${theme.secondPost}"]:visible`).first().click();
        await tab.waitForURL(env.stack.url(theme.secondPost));
        // The new post's first view, and one more view of the site where the post shows the site's.
        const want = { page_pv: 1, ...(before.site_pv === undefined ? {} : { site_pv: before.site_pv + 1 }) };
        await waitForVisibleCounts(tab, { required: theme.slots.post, want });
        assert.equal(await tab.evaluate(() => window.__sameDocument), true, 'the link loaded a new document: pjax is not on');
      } finally {
        await context.close();
      }
    });
  });
}
