// Every way a theme hides busuanzi's numbers (tests/sites/hidden_slots), and a reader whose WebSocket is
// blocked, in Chromium on the local stack.
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import { humanContext, humanUserAgent, ROOT, waitForText, withStackAndBrowser } from './helpers.mjs';

const SITE = path.join(ROOT, 'tests', 'sites', 'hidden_slots');
// How long the client waits before reading the counts over HTTP once more (client/viewcount-http.mjs).
const READ_AGAIN = 10000;

describe('hidden slots', () => {
  const env = withStackAndBrowser(() => ['--site', SITE]);

  test('started from its script URL, it shows what a stylesheet, `hidden` or a wrapper hid, and nothing else', async () => {
    const context = await humanContext(env.browser);
    try {
      const tab = await context.newPage();
      await tab.goto(env.stack.url('/'));
      await waitForText(tab, '#busuanzi_value_site_pv', '1');
      await waitForText(tab, '#busuanzi_value_site_uv', '1');
      await waitForText(tab, '#busuanzi_value_page_pv', '1');
      await waitForText(tab, '#vercount_value_page_pv', '1');
      for (const value of ['#busuanzi_value_site_pv', '#busuanzi_value_site_uv', '#busuanzi_value_page_pv', '#vercount_value_page_pv']) {
        assert.equal(await tab.isVisible(value), true, `${value} is visible`);
      }
      // The menu holds a counter too, filled, but it is hidden for reasons of its own: it stays hidden.
      await waitForText(tab, '.drawer .busuanzi_value_site_pv', '1');
      assert.equal(await tab.isVisible('.drawer'), false);
    } finally {
      await context.close();
    }
  });

  test('with WebSockets blocked, the view goes by beacon, counts once, and the counts are shown', async () => {
    const blocked = await humanContext(env.browser);
    const open = await humanContext(env.browser, { userAgent: `${humanUserAgent(env.browser)} second-reader` });
    try {
      // As a proxy or an extension that blocks WebSockets: every socket fails before it opens.
      await blocked.addInitScript(() => {
        const RealWebSocket = WebSocket;
        window.WebSocket = function () {
          return new RealWebSocket('ws://127.0.0.1:9/');
        };
      });
      const tab = await blocked.newPage();
      const beacons = [];
      tab.on('request', (request) => request.url().endsWith('/views') && beacons.push(request.postDataJSON()));
      await tab.goto(env.stack.url('/posts/blocked/'));
      // Read at once (before the view is counted: 0), then once more after the pipeline's delay.
      await waitForText(tab, '#busuanzi_value_page_pv', '1', READ_AGAIN + 15000);
      // The same browser and address as the first test's reader: the same visitor, by beacon or socket.
      await waitForText(tab, '#busuanzi_value_site_uv', '1');
      assert.equal(await tab.isVisible('#busuanzi_value_page_pv'), true);
      assert.equal(beacons.length, 1);
      assert.equal(beacons[0].currentPage, '/posts/blocked/');
      assert.equal(beacons[0].article, true);
      // A reader on a working socket counts next, and sees both views: the beacon's was counted once.
      const other = await open.newPage();
      await other.goto(env.stack.url('/posts/blocked/'));
      await waitForText(other, '#busuanzi_value_page_pv', '2');
      await waitForText(other, '#busuanzi_value_site_uv', '2');
    } finally {
      await blocked.close();
      await open.close();
    }
  });
});
