// Every path of a blog is counted: a tag page and an article the client names no id for are keyed by
// their path, index slots ask for paths, and the ignore flag reads a page's numbers by its path. The
// demo blog has no such pages, so these tests serve a small site of their own (--site).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  counters, humanContext, launchBrowser, LocalStack, nextViewSent, PLACEHOLDER, recordMessages, waitForCounts,
  waitForPush, waitForText,
} from './helpers.mjs';

const page = (title, body, head = '') => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${title}</title>${head}
<script src="/viewcount.js" data-endpoint="{{VIEWCOUNT_ENDPOINT}}" defer></script>
</head><body><h1>${title}</h1>${body}</body></html>`;

const SLOTS = `<p><span data-viewcount="total">–</span> views · <span data-viewcount="unique">–</span> unique ·
<span data-viewcount="reading">–</span> reading now</p>`;

const TAG = '/tags/javascript/';
const ARTICLE = '/2026/11/30/hello-hexo/';

const SITE = {
  'index.html': page(
    'Home',
    `<ul>
<li>JavaScript <span id="tag-total" data-viewcount-path="${TAG}">–</span>
  <span id="tag-unique" data-viewcount-path="${TAG}" data-viewcount-kind="unique">–</span></li>
<li>Hello Hexo <span id="article-total" data-viewcount-path="${ARTICLE}">–</span></li>
<li>Never viewed <span id="never" data-viewcount-path="/tags/never-viewed/">–</span></li>
</ul>${SLOTS}`,
  ),
  'tags/javascript/index.html': page('Tag: JavaScript', SLOTS),
  'tags/css/index.html': page('Tag: CSS', SLOTS),
  '2026/11/30/hello-hexo/index.html': page('Hello Hexo', SLOTS, '<meta property="og:type" content="article">'),
};

describe('pages counted by path', () => {
  const env = { stack: new LocalStack(), browser: undefined, site: undefined };
  const newContext = (options) => humanContext(env.browser, options);

  before(async () => {
    env.site = mkdtempSync(path.join(tmpdir(), 'viewcount-site-'));
    for (const [file, html] of Object.entries(SITE)) {
      mkdirSync(path.dirname(path.join(env.site, file)), { recursive: true });
      writeFileSync(path.join(env.site, file), html);
    }
    env.browser = await launchBrowser();
    await env.stack.start('--reset', '--site', env.site);
  });
  after(async () => {
    await env.browser?.close();
    await env.stack.dispose();
    if (env.site) rmSync(env.site, { recursive: true, force: true });
  });

  test('a tag page is counted by its path: no id, article false, pushes name the path', async () => {
    const context = await newContext();
    try {
      await recordMessages(context);
      const tab = await context.newPage();
      const sent = nextViewSent(tab);
      await tab.goto(env.stack.url(TAG));
      const view = await sent;
      assert.equal('articleId' in view, false, JSON.stringify(view));
      assert.equal(view.article, false);
      assert.equal(view.currentPage, TAG);
      assert.deepEqual(await waitForCounts(tab, { total: 1, unique: 1, reading: 1 }), { total: '1', unique: '1', reading: '1' });
      const push = await waitForPush(tab, { totalViews: 1 });
      assert.equal(push.path, '/tags/javascript', JSON.stringify(push)); // the normalised path
      assert.equal('articleId' in push, false);

      await tab.reload();
      assert.deepEqual(await waitForCounts(tab, { total: 2 }), { total: '2', unique: '1', reading: '1' });

      // Another tag page is a counter of its own.
      const other = await context.newPage();
      await other.goto(env.stack.url('/tags/css/'));
      assert.deepEqual(await waitForCounts(other, { total: 1, unique: 1 }), { total: '1', unique: '1', reading: '1' });
      assert.equal((await counters(tab)).total, '2');
    } finally {
      await context.close();
    }
  });

  test('an article without an id (og:type article) is flagged and counted by its path', async () => {
    const context = await newContext();
    try {
      await recordMessages(context);
      const tab = await context.newPage();
      const sent = nextViewSent(tab);
      await tab.goto(env.stack.url(ARTICLE));
      const view = await sent;
      assert.equal('articleId' in view, false, JSON.stringify(view));
      assert.equal(view.article, true);
      await waitForCounts(tab, { total: 1, unique: 1 });
      const push = await waitForPush(tab, { totalViews: 1 });
      assert.equal(push.path, '/2026/11/30/hello-hexo', JSON.stringify(push));
    } finally {
      await context.close();
    }
  });

  test('index slots with data-viewcount-path show the counts of those paths', async () => {
    const context = await newContext();
    try {
      const home = await context.newPage();
      await home.goto(env.stack.url('/'));
      await waitForText(home, '#tag-total', '2'); // the two views of the first test
      await waitForText(home, '#tag-unique', '1');
      await waitForText(home, '#article-total', '1');
      const never = (await home.textContent('#never')).trim();
      assert.ok([PLACEHOLDER, '0'].includes(never), `a path never viewed shows ${never}`);
      await waitForText(home, '[data-viewcount="total"]', '1'); // the home page's own view
    } finally {
      await context.close();
    }
  });

  test('viewcount_ignore on a page without an id shows its numbers by path and does not count', async () => {
    const owner = await newContext();
    const reader = await newContext();
    try {
      await owner.addInitScript(() => localStorage.setItem('viewcount_ignore', '1'));
      const ownerTab = await owner.newPage();
      await ownerTab.goto(env.stack.url(TAG));
      // A counts answer carries no readingNow: that slot keeps its placeholder.
      assert.deepEqual(await waitForCounts(ownerTab, { total: 2, unique: 1 }), { total: '2', unique: '1', reading: PLACEHOLDER });
      await ownerTab.reload();
      await waitForCounts(ownerTab, { total: 2, unique: 1 });

      // The reader's view is the third, not the fifth.
      const readerTab = await reader.newPage();
      await readerTab.goto(env.stack.url(TAG));
      await waitForCounts(readerTab, { total: 3 });
    } finally {
      await reader.close();
      await owner.close();
    }
  });
});
