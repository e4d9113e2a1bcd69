// A Hexo-style blog (tests/sites/hexo_style: dated posts marked by og:type, /about/, tags, categories,
// archives, busuanzi's counters in hidden containers) read in Chromium as a person reads it.
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import {
  humanContext, humanUserAgent, nextViewSent, recordMessages, ROOT, waitForPush, waitForText, withStackAndBrowser,
} from './helpers.mjs';

const SITE = path.join(ROOT, 'tests', 'sites', 'hexo_style');
const PAGES = ['/', '/2026/11/30/hello-hexo/', '/2026/12/01/x/', '/tags/x/', '/archives/', '/about/', '/categories/notes/'];

describe('a Hexo-style blog', () => {
  const env = withStackAndBrowser(() => ['--site', SITE]);

  test('every page counts, with its own counter and the site totals; one reader is one visitor', async () => {
    const context = await humanContext(env.browser);
    try {
      await recordMessages(context);
      const tab = await context.newPage();
      const sent = {};
      for (const [index, pathname] of PAGES.entries()) {
        const view = nextViewSent(tab);
        await tab.goto(env.stack.url(pathname));
        sent[pathname] = await view;
        await waitForText(tab, '#busuanzi_value_site_pv', String(index + 1));
        await waitForText(tab, '#busuanzi_value_site_uv', '1');
        if (pathname !== '/') {
          await waitForText(tab, '#busuanzi_value_page_pv', '1');
          assert.equal(await tab.isVisible('#busuanzi_container_page_pv'), true, pathname);
        }
        assert.equal(await tab.isVisible('#busuanzi_container_site_uv'), true, pathname);
      }
      // Posts are articles by og:type, keyed by their path: no id is made up from the slug.
      assert.equal(sent['/2026/12/01/x/'].article, true);
      assert.equal('articleId' in sent['/2026/12/01/x/'], false);
      assert.equal(sent['/tags/x/'].article, false);
      const push = await waitForPush(tab, { path: '/categories/notes' });
      // One person on the site: each page load replaced the connection of the page before.
      assert.deepEqual(push.site, { totalViews: 7, uniqueViews: 1, readingNow: 1 });
    } finally {
      await context.close();
    }
  });

  test('the tag page x and the post x are different counters', async () => {
    // Another reader: another browser on the same address.
    const context = await humanContext(env.browser, { userAgent: `${humanUserAgent(env.browser)} other-reader` });
    try {
      const tab = await context.newPage();
      await tab.goto(env.stack.url('/tags/x/'));
      await waitForText(tab, '#busuanzi_value_page_pv', '2');
      await waitForText(tab, '#busuanzi_value_site_uv', '2');
      await tab.goto(env.stack.url('/2026/12/01/x/'));
      await waitForText(tab, '#busuanzi_value_page_pv', '2');
      await waitForText(tab, '#busuanzi_value_site_pv', '9');
      await waitForText(tab, '#busuanzi_value_site_uv', '2');
    } finally {
      await context.close();
    }
  });
});
