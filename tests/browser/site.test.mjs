// busuanzi site slots, marked up as themes ship them (hidden containers), filled from the push.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { waitForCounts, waitForText, withStackAndBrowser } from './helpers.mjs';

describe('site totals', () => {
  const env = withStackAndBrowser();

  test("busuanzi's site slots show the site's views and unique views, and their hidden container appears", async () => {
    const context = await env.newContext();
    try {
      const post = await context.newPage();
      await post.goto(env.stack.url('/posts/hello-viewcount'));
      await waitForCounts(post, { total: 1 });
      await post.reload(); // a reload: the site's total grows, its unique views do not
      await waitForCounts(post, { total: 2 });

      const about = await context.newPage();
      await about.goto(env.stack.url('/pages/about'));
      await waitForText(about, '#busuanzi_value_site_pv', '3');
      // One reader on two pages is one visitor of the site.
      await waitForText(about, '.busuanzi_value_site_uv', '1');
      assert.equal(await about.isVisible('#busuanzi_container_site_pv'), true);
    } finally {
      await context.close();
    }
  });
});
