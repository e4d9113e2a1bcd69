// Page loads, reloads and a second tab, counted by the real local stack in headless Chromium.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { counters, PLACEHOLDER, slot, waitForCounts, waitForText, withStackAndBrowser } from './helpers.mjs';

const lineOf = async (page, selector) => (await page.textContent(selector)).replace(/\s+/g, ' ').trim();

describe('counting page views', () => {
  const env = withStackAndBrowser();

  test('the first load of a post shows total 1, unique 1, reading 1', async () => {
    const context = await env.newContext();
    try {
      const page = await context.newPage();
      await page.goto(env.stack.url('/posts/hello-viewcount'));
      // The placeholder is there until the first push, never a made-up 0.
      assert.ok(['', PLACEHOLDER, '1'].includes((await counters(page)).total));
      const shown = await waitForCounts(page, { total: 1, unique: 1, reading: 1 });
      assert.deepEqual(shown, { total: '1', unique: '1', reading: '1' });
      // The demo's labels read right for any number: no "1 views".
      assert.equal(await lineOf(page, 'p.counts'), 'Views: 1 · unique visitors: 1 · reading now: 1');
    } finally {
      await context.close();
    }
  });

  test('a reload raises total but not unique', async () => {
    const context = await env.newContext();
    try {
      const page = await context.newPage();
      await page.goto(env.stack.url('/posts/cookieless-unique-visitors'));
      await waitForCounts(page, { total: 1, unique: 1 });
      await page.reload();
      const shown = await waitForCounts(page, { total: 2 });
      assert.equal(shown.unique, '1', 'a reload must not count as a unique view');
      await page.reload();
      const again = await waitForCounts(page, { total: 3 });
      assert.equal(again.unique, '1');
    } finally {
      await context.close();
    }
  });

  test("a second tab updates the first tab's numbers without a reload, and its reader is unique once", async () => {
    const context = await env.newContext();
    try {
      const first = await context.newPage();
      await first.goto(env.stack.url('/posts/the-cost-of-a-million-views'));
      await waitForCounts(first, { total: 1, unique: 1, reading: 1 });
      const navigations = [];
      first.on('framenavigated', (frame) => frame === first.mainFrame() && navigations.push(frame.url()));

      const second = await context.newPage();
      await second.goto(env.stack.url('/posts/the-cost-of-a-million-views'));
      // One reader (same address, same browser) on two connections: two views, one unique
      // visitor, and one person reading (the newer connection replaces the older in the count).
      assert.deepEqual(await waitForCounts(second, { total: 2, unique: 1, reading: 1 }), { total: '2', unique: '1', reading: '1' });
      // The first tab, replaced in the count but still a reader, got a live push.
      assert.deepEqual(await waitForCounts(first, { total: 2, reading: 1 }), { total: '2', unique: '1', reading: '1' });
      assert.deepEqual(navigations, [], 'the first tab must not have reloaded');
    } finally {
      await context.close();
    }
  });

  test('the home page shows the counts of posts viewed before', async () => {
    const context = await env.newContext();
    try {
      const post = await context.newPage();
      await post.goto(env.stack.url('/posts/exactly-once-is-a-design'));
      await waitForCounts(post, { total: 1 });
      await post.close();

      const home = await context.newPage();
      await home.goto(env.stack.url('/'));
      await waitForText(home, '[data-viewcount-article="exactly-once-is-a-design"]', '1');
      assert.match(await lineOf(home, 'li:has([data-viewcount-article="exactly-once-is-a-design"]) small'), /^\(views: 1\)$/);
      await waitForText(home, '[data-viewcount-article="the-cost-of-a-million-views"]', '2');
      // A post nobody has viewed in this stack never shows a made-up number.
      const never = await home.textContent('[data-viewcount-article="websockets-on-a-budget"]');
      assert.ok([PLACEHOLDER, '0'].includes(never.trim()), `websockets-on-a-budget shows ${never}`);
      await waitForText(home, slot('total'), '1'); // the home page's own view
    } finally {
      await context.close();
    }
  });
});
