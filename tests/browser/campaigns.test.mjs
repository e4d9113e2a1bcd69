// Campaign tags in headless Chromium on the local stack: a page opened from a tagged link (utm_ parameters
// and a click id) is counted with its campaign, and the client sends the server the page's path and its
// utm_source, utm_medium and utm_campaign only: nothing else of the query (here fbclid) leaves the page.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { dayIn, humanContext, launchBrowser, LocalStack, waitForCounts, WAIT, zoneNearNoon } from './helpers.mjs';

// The site's days are in a zone where it is about noon: no midnight falls within the test.
const ZONE = zoneNearNoon();
const POST = '/posts/hello-viewcount';
const TAGS = 'utm_source=newsletter&utm_medium=email&utm_campaign=launch';

describe('campaign tags', () => {
  const stack = new LocalStack();
  let browser;

  before(async () => {
    browser = await launchBrowser();
    await stack.start('--reset', '--time-zone', ZONE);
  });
  after(async () => {
    await browser?.close();
    await stack.dispose();
  });

  // The owner's view of the site's day, from the dashboard's API (as the dashboard asks for it).
  const stats = async (query) => {
    const key = readFileSync(path.join(stack.dataDir, 'owner-key'), 'utf8').trim();
    const res = await fetch(`${stack.httpApiUrl}/dashboard/stats?${query}`, {
      headers: { authorization: `Bearer ${key}`, origin: stack.dashboardUrl.slice(0, -1) },
    });
    assert.equal(res.status, 200, `GET /dashboard/stats?${query}`);
    return res.json();
  };

  test('a page opened from a tagged link counts its campaign; its fbclid is never sent', async () => {
    const context = await humanContext(browser);
    try {
      const page = await context.newPage();
      const sockets = [];
      const frames = [];
      page.on('websocket', (ws) => {
        sockets.push(ws.url());
        ws.on('framesent', ({ payload }) => frames.push(String(payload)));
      });
      await page.goto(stack.url(`${POST}?${TAGS}&fbclid=x`));
      await waitForCounts(page, { total: 1, unique: 1 }); // its view was counted

      const views = frames.map((f) => JSON.parse(f)).filter((m) => m.message === 'views');
      assert.deepEqual(views.map((v) => v.currentPage), [`${POST}?${TAGS}`]);
      for (const sent of [...sockets, ...frames]) assert.doesNotMatch(sent, /fbclid/, 'fbclid left the page');

      // The campaign is counted for the page (the dashboard's lists, today, of this page).
      const day = dayIn(ZONE);
      const query = `site=blog&from=${day}&to=${day}&page=${encodeURIComponent(POST)}`;
      const want = [
        { parameter: 'utm_campaign', value: 'launch', views: 1 },
        { parameter: 'utm_medium', value: 'email', views: 1 },
        { parameter: 'utm_source', value: 'newsletter', views: 1 },
      ];
      const byName = (rows) => [...rows].sort((a, b) => a.parameter.localeCompare(b.parameter));
      const deadline = Date.now() + 2 * WAIT;
      let got;
      for (;;) {
        got = byName((await stats(query)).campaigns ?? []);
        if (got.length >= want.length || Date.now() > deadline) break;
        await sleep(250);
      }
      assert.deepEqual(got, want);
      assert.equal(dayIn(ZONE), day, 'the site changed day during the test');
    } finally {
      await context.close();
    }
  });
});
