// SPA navigation and a restart of the stack under an open page.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { counters, recordMessages, waitForCounts, waitForPush, withStackAndBrowser } from './helpers.mjs';

describe('SPA navigation', () => {
  const env = withStackAndBrowser();

  test('history.pushState to another post counts a view of that post', async () => {
    const context = await env.newContext();
    try {
      await recordMessages(context);
      const page = await context.newPage();
      await page.goto(env.stack.url('/posts/hello-viewcount'));
      await waitForCounts(page, { total: 1, unique: 1, reading: 1 });
      await waitForPush(page, { articleId: 'hello-viewcount', totalViews: 1 });

      await page.evaluate(() => history.pushState({}, '', '/posts/websockets-on-a-budget'));
      // The page's own numbers now belong to the new post: its first view.
      await waitForPush(page, { articleId: 'websockets-on-a-budget', totalViews: 1, uniqueViews: 1 });
      assert.equal(new URL(page.url()).pathname, '/posts/websockets-on-a-budget');
      assert.equal((await counters(page)).total, '1');

      // A second tab on that post sees the SPA view too, and the SPA tab gets the live push.
      const second = await context.newPage();
      await second.goto(env.stack.url('/posts/websockets-on-a-budget'));
      // The same reader: its second view is not unique.
      await waitForCounts(second, { total: 2, unique: 1 });
      await waitForCounts(page, { total: 2, unique: 1 });

      // A hash-only change is not a navigation.
      await page.evaluate(() => history.pushState({}, '', '/posts/websockets-on-a-budget#comments'));
      const reloaded = await context.newPage();
      await reloaded.goto(env.stack.url('/posts/websockets-on-a-budget'));
      await waitForCounts(reloaded, { total: 3 });
    } finally {
      await context.close();
    }
  });
});

describe('restarting the local stack', () => {
  const env = withStackAndBrowser();

  test('after SIGTERM and a restart on the same ports and data dir, the page reconnects and counting goes on', async () => {
    const context = await env.newContext();
    try {
      await recordMessages(context);
      const page = await context.newPage();
      await page.goto(env.stack.url('/posts/hello-viewcount'));
      await waitForCounts(page, { total: 1, unique: 1, reading: 1 });

      const ports = [env.stack.wsPort, env.stack.httpPort];
      await env.stack.stop();
      await env.stack.start(); // no --reset: counts come back from the data dir
      assert.deepEqual([env.stack.wsPort, env.stack.httpPort], ports);

      // The page keeps its numbers; live pushes resume with the next view.
      assert.equal((await counters(page)).total, '1');
      await page.evaluate(() => history.pushState({}, '', '/posts/exactly-once-is-a-design'));
      await waitForPush(page, { articleId: 'exactly-once-is-a-design', totalViews: 1 }, 45000);
      await page.evaluate(() => viewcount.track({ articleId: 'hello-viewcount' }));
      // 1 view kept across the restart + this one.
      await waitForPush(page, { articleId: 'hello-viewcount', totalViews: 2 });
      await waitForCounts(page, { total: 2 });

      // A fresh tab agrees.
      const other = await context.newPage();
      await other.goto(env.stack.url('/posts/hello-viewcount'));
      await waitForCounts(other, { total: 3 });
    } finally {
      await context.close();
    }
  });
});
