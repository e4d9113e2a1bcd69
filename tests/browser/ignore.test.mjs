// localStorage.viewcount_ignore = "1" stops counting but still shows the numbers.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { counters, PLACEHOLDER, waitForCounts, waitForText, withStackAndBrowser } from './helpers.mjs';

describe('the ignore flag', () => {
  const env = withStackAndBrowser();

  test('viewcount_ignore stops counting while numbers are still shown', async () => {
    const reader = await env.newContext();
    const owner = await env.newContext();
    try {
      await owner.addInitScript(() => localStorage.setItem('viewcount_ignore', '1'));

      const first = await reader.newPage();
      await first.goto(env.stack.url('/posts/cookieless-unique-visitors'));
      await waitForCounts(first, { total: 1, unique: 1 });

      // The owner's tab shows the numbers (from a counts request) but is not counted.
      const ownerPage = await owner.newPage();
      await ownerPage.goto(env.stack.url('/posts/cookieless-unique-visitors'));
      assert.equal(await ownerPage.evaluate(() => localStorage.viewcount_ignore), '1');
      await waitForCounts(ownerPage, { total: 1, unique: 1 });
      await ownerPage.reload();
      await waitForCounts(ownerPage, { total: 1, unique: 1 });
      await ownerPage.evaluate(() => history.pushState({}, '', '/posts/hello-viewcount'));

      // The reader's next view is the second one, not the fourth (and the same visitor: unique once).
      const second = await reader.newPage();
      await second.goto(env.stack.url('/posts/cookieless-unique-visitors'));
      await waitForCounts(second, { total: 2, unique: 1 });
      await waitForCounts(first, { total: 2 });

      // A counts request (the home page) agrees, and the owner's SPA view of hello-viewcount was not counted.
      const home = await reader.newPage();
      await home.goto(env.stack.url('/'));
      await waitForText(home, '[data-viewcount-article="cookieless-unique-visitors"]', '2');
      const hello = (await home.textContent('[data-viewcount-article="hello-viewcount"]')).trim();
      assert.notEqual(hello, '1', 'the ignored SPA view of hello-viewcount was counted');

      // The owner's page, reloaded, shows the new number without adding to it. A counts answer carries
      // no readingNow, so that slot keeps its placeholder.
      await ownerPage.goto(env.stack.url('/posts/cookieless-unique-visitors'));
      const shown = await waitForCounts(ownerPage, { total: 2, unique: 1 });
      assert.deepEqual(shown, { total: '2', unique: '1', reading: PLACEHOLDER });
      assert.equal((await counters(first)).total, '2');
    } finally {
      await owner.close();
      await reader.close();
    }
  });
});
