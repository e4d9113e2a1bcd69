// Unit tests for the pure helpers (viewcount._internal); no DOM needed.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import viewcount from '../viewcount.js';

const {
  clip, validId, pick, flag, referrerParts, campaign, isReload, privacySignal, buildView, uniqueIds,
  slotOf, slotText, backoff, flush, scriptOptions, startBlocker, viewBlocker,
} = viewcount._internal;

const ORIGIN = 'https://blog.example';
// What goes over the wire: JSON drops undefined fields.
const wire = (msg) => JSON.parse(JSON.stringify(msg));

describe('buildView', () => {
  test('all fields of the contract example', () => {
    const msg = buildView({
      articleId: 'abc',
      article: true,
      articleTitle: 'Hello',
      currentPage: '/posts/hello',
      referrer: 'https://news.ycombinator.com/',
      origin: ORIGIN,
      refreshed: false,
    });
    assert.equal(
      JSON.stringify(msg),
      '{"message":"views","articleId":"abc","article":true,"articleTitle":"Hello","currentPage":"/posts/hello","refreshed":false,"referrer":"https://news.ycombinator.com/"}',
    );
  });

  test('same-origin referrer becomes previousPage, no referrer', () => {
    const msg = wire(buildView({ articleId: 'a', currentPage: '/posts/a', referrer: `${ORIGIN}/?page=2#top`, origin: ORIGIN }));
    assert.equal(msg.previousPage, '/');
    assert.equal('referrer' in msg, false);
  });

  test('explicit previousPage (SPA navigation) wins, refreshed false', () => {
    const msg = wire(buildView({ articleId: 'b', currentPage: '/posts/b', previousPage: '/posts/a', origin: ORIGIN }));
    assert.deepEqual(msg, { message: 'views', articleId: 'b', article: false, previousPage: '/posts/a', currentPage: '/posts/b', refreshed: false });
  });

  test('refreshed, gpc and webdriver are sent only when true', () => {
    const on = wire(buildView({ currentPage: '/', refreshed: true, gpc: true, webdriver: true, origin: ORIGIN }));
    assert.equal(on.refreshed, true);
    assert.equal(on.gpc, true);
    assert.equal(on.webdriver, true);
    const off = wire(buildView({ currentPage: '/', refreshed: false, gpc: false, webdriver: false, origin: ORIGIN }));
    assert.deepEqual(off, { message: 'views', article: false, currentPage: '/', refreshed: false });
  });

  test('article is always a boolean on the wire: false when not given, true only when truthy', () => {
    assert.equal(wire(buildView({ currentPage: '/', origin: ORIGIN })).article, false);
    assert.equal(wire(buildView({ article: undefined, currentPage: '/', origin: ORIGIN })).article, false);
    assert.equal(wire(buildView({ article: false, currentPage: '/', origin: ORIGIN })).article, false);
    assert.equal(wire(buildView({ article: true, currentPage: '/', origin: ORIGIN })).article, true);
  });

  test('ids outside the server charset or too long are omitted', () => {
    for (const id of ['caf%C3%A9', 'has space', 'a/b', 'x'.repeat(129), '', 'émoji']) {
      assert.equal('articleId' in wire(buildView({ articleId: id, currentPage: '/', origin: ORIGIN })), false, id);
    }
    for (const id of ['a', 'A-Z_0.9~', 'x'.repeat(128)]) {
      assert.equal(wire(buildView({ articleId: id, currentPage: '/', origin: ORIGIN })).articleId, id);
    }
  });

  test('titles are trimmed and cut to 256 characters; blank titles omitted', () => {
    const msg = wire(buildView({ articleTitle: `  ${'t'.repeat(300)}  `, currentPage: '/', origin: ORIGIN }));
    assert.equal(msg.articleTitle, 't'.repeat(256));
    assert.equal('articleTitle' in wire(buildView({ articleTitle: '   ', currentPage: '/', origin: ORIGIN })), false);
  });

  test('long URLs are cut to 2048 characters', () => {
    const path = `/${'p'.repeat(3000)}`;
    const ref = `https://elsewhere.example/${'r'.repeat(3000)}`;
    const msg = wire(buildView({ currentPage: path, previousPage: path, referrer: ref, origin: ORIGIN }));
    assert.equal(msg.currentPage.length, 2048);
    assert.equal(msg.previousPage.length, 2048);
    assert.equal(msg.referrer.length, 2048);
  });
});

describe('clip', () => {
  test('does not leave half a surrogate pair', () => {
    const title = `${'a'.repeat(255)}\u{1F600}`; // emoji straddles the 256 boundary
    assert.equal(clip(title, 256), 'a'.repeat(255));
    assert.equal(clip('ab\u{1F600}', 4), 'ab\u{1F600}');
  });
  test('empty, null and undefined give undefined', () => {
    assert.equal(clip('', 5), undefined);
    assert.equal(clip(null, 5), undefined);
    assert.equal(clip(undefined, 5), undefined);
    assert.equal(clip(42, 5), '42');
  });
});

describe('validId / pick / flag', () => {
  test('validId rejects null and undefined (not "null")', () => {
    assert.equal(validId(null), undefined);
    assert.equal(validId(undefined), undefined);
    assert.equal(validId(42), '42');
  });

  test('pick returns the first non-empty value', () => {
    assert.equal(pick(undefined, '', false, 'meta', 'path'), 'meta');
    assert.equal(pick('explicit', 'meta'), 'explicit');
    assert.equal(pick(undefined, null), undefined);
  });

  test('no id is made up from the path any more: idFromPath is gone', () => {
    assert.equal('idFromPath' in viewcount._internal, false);
  });

  test('flag: absent -> undefined, "false" -> false, any other present value -> true', () => {
    assert.equal(flag(undefined), undefined);
    assert.equal(flag(null), undefined);
    assert.equal(flag('false'), false);
    assert.equal(flag(false), false);
    assert.equal(flag('true'), true);
    assert.equal(flag(true), true);
    assert.equal(flag(''), true); // <script data-article>
    assert.equal(flag('yes'), true);
    assert.equal(flag('0'), true);
  });
});

describe('referrerParts', () => {
  test('same origin -> previousPage (path only)', () => {
    assert.deepEqual(referrerParts(`${ORIGIN}/posts/a?x=1`, ORIGIN), { previousPage: '/posts/a' });
  });
  test('external -> full referrer', () => {
    const ref = 'https://news.ycombinator.com/item?id=1';
    assert.deepEqual(referrerParts(ref, ORIGIN), { referrer: ref });
  });
  test('other scheme, port or subdomain is external', () => {
    assert.deepEqual(referrerParts('http://blog.example/', ORIGIN), { referrer: 'http://blog.example/' });
    assert.deepEqual(referrerParts('https://blog.example:8443/', ORIGIN), { referrer: 'https://blog.example:8443/' });
    assert.deepEqual(referrerParts('https://www.blog.example/', ORIGIN), { referrer: 'https://www.blog.example/' });
  });
  test('empty or invalid -> nothing', () => {
    assert.deepEqual(referrerParts('', ORIGIN), {});
    assert.deepEqual(referrerParts(undefined, ORIGIN), {});
    assert.deepEqual(referrerParts('not a url', ORIGIN), {});
  });
});

describe('campaign', () => {
  test('keeps utm_source, utm_medium and utm_campaign only, in their order, as a query', () => {
    assert.equal(
      campaign('?token=s3cr3t&utm_campaign=launch&email=ana%40example.com&utm_source=newsletter&fbclid=x&utm_medium=email'),
      '?utm_campaign=launch&utm_source=newsletter&utm_medium=email',
    );
    assert.equal(campaign('?utm_source=a&x=1&utm_medium=b&y=2'), '?utm_source=a&utm_medium=b');
    assert.equal(campaign('?utm_medium=email'), '?utm_medium=email');
    // Values as written (the server decodes them), a repeated tag as often as it comes (the server reads the first).
    assert.equal(campaign('?utm_campaign=spring%20sale&utm_source=a+b&utm_source=c'), '?utm_campaign=spring%20sale&utm_source=a+b&utm_source=c');
    // Only the query's first character is its '?': one in a value is the value's (the server reads it so).
    assert.equal(campaign('?utm_campaign=a?b&x=1'), '?utm_campaign=a?b');
  });

  test("no campaign tag: '' (the page is sent as its path)", () => {
    for (const search of ['', '?', '?token=abc&email=a%40b.c', '?utm_term=x&utm_content=y&utm_id=z', '?utm_source&utm_medium=&utm_campaign=',
      '?utm_sourcex=1&xutm_source=2&utm_source_platform=3', '?a=utm_source=x', '?q=1&&', '?next=/a?utm_source=x', '?q=1?&utm_medium']) {
      assert.equal(campaign(search), '', search);
    }
  });
});

describe('isReload', () => {
  const timing = (type) => ({ getEntriesByType: (kind) => (kind === 'navigation' ? [{ type }] : []) });
  test('navigation entry of type reload', () => assert.equal(isReload(timing('reload')), true));
  test('navigate and back_forward are not reloads', () => {
    assert.equal(isReload(timing('navigate')), false);
    assert.equal(isReload(timing('back_forward')), false);
  });
  test('no navigation entry: not a reload (the deprecated performance.navigation is not read)', () => {
    assert.equal(isReload({ getEntriesByType: () => [], navigation: { type: 1 } }), false);
  });
  test('no performance API at all', () => {
    assert.equal(isReload(undefined), false);
    assert.equal(isReload({}), false);
  });
});

describe('privacySignal', () => {
  test('GPC or DNT', () => {
    assert.equal(privacySignal({ globalPrivacyControl: true }, {}), true);
    assert.equal(privacySignal({ doNotTrack: '1' }, {}), true);
    assert.equal(privacySignal({}, { doNotTrack: '1' }), true);
  });
  test('unset, "0" and "unspecified" are no signal', () => {
    assert.equal(privacySignal({}, {}), false);
    assert.equal(privacySignal({ globalPrivacyControl: false, doNotTrack: '0' }, {}), false);
    assert.equal(privacySignal({ doNotTrack: 'unspecified' }, { doNotTrack: null }), false);
  });
});

describe('uniqueIds', () => {
  test('valid, unique, in order, at most 100', () => {
    assert.deepEqual(uniqueIds(['a', 'b', 'a', 'bad id', null, undefined, '', 'c']), ['a', 'b', 'c']);
    const many = Array.from({ length: 150 }, (_, i) => `id${i}`);
    const ids = uniqueIds(many);
    assert.equal(ids.length, 100);
    assert.equal(ids[99], 'id99');
  });
});

// Minimal element stand-in: id, class attribute, data- attributes.
const el = ({ id = '', cls = null, attrs = {} } = {}) => ({
  id,
  getAttribute: (name) => (name === 'class' ? cls : (attrs[name] ?? null)),
});

describe('slotOf (busuanzi and data-viewcount matching)', () => {
  test('data-viewcount kinds', () => {
    assert.deepEqual(slotOf(el({ attrs: { 'data-viewcount': 'total' } })), { field: 'totalViews' });
    assert.deepEqual(slotOf(el({ attrs: { 'data-viewcount': 'unique' } })), { field: 'uniqueViews' });
    assert.deepEqual(slotOf(el({ attrs: { 'data-viewcount': 'reading' } })), { field: 'readingNow' });
    assert.equal(slotOf(el({ attrs: { 'data-viewcount': 'bogus' } })), null);
  });

  test('busuanzi values by id', () => {
    assert.deepEqual(slotOf(el({ id: 'busuanzi_value_page_pv' })), { field: 'totalViews', site: false, container: false });
    assert.deepEqual(slotOf(el({ id: 'busuanzi_value_page_uv' })), { field: 'uniqueViews', site: false, container: false });
    assert.deepEqual(slotOf(el({ id: 'busuanzi_value_site_pv' })), { field: 'totalViews', site: true, container: false });
    assert.deepEqual(slotOf(el({ id: 'busuanzi_value_site_uv' })), { field: 'uniqueViews', site: true, container: false });
  });

  test('busuanzi values and containers by class, among other classes', () => {
    assert.deepEqual(slotOf(el({ cls: 'post-meta busuanzi_value_page_pv' })), { field: 'totalViews', site: false, container: false });
    assert.deepEqual(slotOf(el({ cls: 'busuanzi_container_site_uv hidden' })), { field: 'uniqueViews', site: true, container: true });
    assert.deepEqual(slotOf(el({ id: 'busuanzi_container_page_pv' })), { field: 'totalViews', site: false, container: true });
  });

  test('near misses do not match', () => {
    assert.deepEqual(slotOf(el({ id: 'vercount_value_site_pv' })), { field: 'totalViews', site: true, container: false });
    assert.deepEqual(slotOf(el({ id: 'vercount_container_page_pv' })), { field: 'totalViews', site: false, container: true });
    assert.equal(slotOf(el({ id: 'xvercount_value_site_pv' })), null);
    assert.equal(slotOf(el({ id: 'busuanzi_value_page_pvx' })), null);
    assert.equal(slotOf(el({ cls: 'xbusuanzi_value_page_pv' })), null);
    assert.equal(slotOf(el({ id: 'busuanzi_value_post_pv' })), null);
    assert.equal(slotOf(el({ cls: 'busuanzi_' })), null);
    assert.equal(slotOf(el()), null);
  });

  test('index elements: data-viewcount-article with optional kind', () => {
    assert.deepEqual(slotOf(el({ attrs: { 'data-viewcount-article': 'abc' } })), { article: 'abc', path: null, field: 'totalViews' });
    assert.deepEqual(
      slotOf(el({ attrs: { 'data-viewcount-article': 'abc', 'data-viewcount-kind': 'unique' } })),
      { article: 'abc', path: null, field: 'uniqueViews' },
    );
  });

  test('index elements: data-viewcount-path with optional kind', () => {
    assert.deepEqual(slotOf(el({ attrs: { 'data-viewcount-path': '/tags/js/' } })), { article: null, path: '/tags/js/', field: 'totalViews' });
    assert.deepEqual(
      slotOf(el({ attrs: { 'data-viewcount-path': '/tags/js/', 'data-viewcount-kind': 'unique' } })),
      { article: null, path: '/tags/js/', field: 'uniqueViews' },
    );
    assert.equal(slotOf(el({ attrs: { 'data-viewcount-path': '' } })), null);
  });
});

describe('slotText', () => {
  const push = { totalViews: 12, uniqueViews: 9, readingNow: 2, site: { totalViews: 1234, uniqueViews: 800 } };
  test('page and site numbers as plain integers', () => {
    assert.equal(slotText({ field: 'totalViews' }, push), '12');
    assert.equal(slotText({ field: 'readingNow' }, push), '2');
    assert.equal(slotText({ field: 'totalViews', site: true }, push), '1234');
    assert.equal(slotText({ field: 'uniqueViews', site: true }, push), '800');
    assert.equal(slotText({ field: 'totalViews' }, { totalViews: 0 }), '0');
  });
  test('missing site object or field leaves the slot alone', () => {
    assert.equal(slotText({ field: 'totalViews', site: true }, { totalViews: 5 }), undefined);
    assert.equal(slotText({ field: 'readingNow' }, { totalViews: 5 }), undefined);
    assert.equal(slotText({ field: 'totalViews' }, { totalViews: '5' }), undefined);
    assert.equal(slotText({ field: 'totalViews' }, undefined), undefined);
  });
});

describe('backoff', () => {
  test('full jitter within [0, min(cap, base * 2^attempt))', () => {
    assert.equal(backoff(0, () => 0), 0);
    assert.equal(backoff(0, () => 0.999999), 999);
    assert.equal(backoff(3, () => 0.5), 4000);
    assert.equal(backoff(4, () => 0.999999), 15999);
  });
  test('bounded by the 30 s cap', () => {
    for (const attempt of [5, 6, 10, 100, 5000]) {
      assert.equal(backoff(attempt, () => 0.999999), 29999);
    }
  });
  test('Math.random by default stays in range', () => {
    for (let i = 0; i < 200; i++) {
      const attempt = i % 8;
      const delay = backoff(attempt);
      assert.ok(delay >= 0 && delay < Math.min(30000, 1000 * 2 ** attempt), `${attempt}: ${delay}`);
    }
  });
});

describe('flush (queue-once semantics)', () => {
  const socket = (readyState) => ({ readyState, sent: [], send(data) { this.sent.push(data); } });

  test('keeps messages while the socket is connecting or closed', () => {
    const queue = [{ n: 1 }];
    for (const state of [0, 2, 3]) flush(queue, socket(state));
    flush(queue, undefined);
    assert.equal(queue.length, 1);
  });

  test('sends each queued message once on an open socket, never again after a reconnect', () => {
    const queue = [{ n: 1 }, { n: 2 }];
    const first = socket(1);
    flush(queue, first);
    assert.deepEqual(first.sent, ['{"n":1}', '{"n":2}']);
    assert.equal(queue.length, 0);
    flush(queue, first);
    const reconnected = socket(1);
    flush(queue, reconnected);
    assert.equal(first.sent.length, 2);
    assert.deepEqual(reconnected.sent, []);
  });

  test('a message that reached ws.send is not retried even if send throws', () => {
    const queue = [{ n: 1 }];
    const broken = { readyState: 1, send() { throw new Error('boom'); } };
    assert.throws(() => flush(queue, broken));
    assert.equal(queue.length, 0);
  });
});

describe('filters return a reason', () => {
  test('startBlocker', () => {
    assert.equal(startBlocker({}), 'no endpoint');
    assert.equal(startBlocker({ endpoint: 'wss://x.example' }), '');
  });
  test('viewBlocker reads localStorage.viewcount_ignore safely', () => {
    assert.match(viewBlocker(() => ({ viewcount_ignore: '1' })), /viewcount_ignore/);
    assert.equal(viewBlocker(() => ({ viewcount_ignore: '0' })), '');
    assert.equal(viewBlocker(() => ({})), '');
    assert.equal(viewBlocker(() => { throw new Error('SecurityError'); }), '');
  });
});

describe('scriptOptions (a script tag\'s options)', () => {
  test('the query of its URL, with data- attributes over it', () => {
    const src = 'https://blog.example/js/viewcount.min.js?endpoint=wss%3A%2F%2Fws.example%2Fprod&debug';
    assert.deepEqual(scriptOptions({ src, dataset: {} }), { endpoint: 'wss://ws.example/prod', debug: '' });
    assert.deepEqual(scriptOptions({ src, dataset: { endpoint: 'wss://other.example' } }), { endpoint: 'wss://other.example', debug: '' });
  });
  test('an inline script (no src) has its data- attributes only', () => {
    assert.deepEqual(scriptOptions({ src: '', dataset: { endpoint: 'wss://x.example' } }), { endpoint: 'wss://x.example' });
  });
});
