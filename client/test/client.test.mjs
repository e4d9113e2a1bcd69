// Behaviour tests: viewcount.js runs as a classic script in a vm context with a fake document, a fake
// WebSocket and a manual clock. Every scenario runs against the source and against the minified build.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import vm from 'node:vm';
import { buildCode } from '../build.mjs';

const ORIGIN = 'https://blog.example';
const ENDPOINT = 'wss://ws.example/live';
const DASH = '\u2013';
// A `views` push for the page, with the site's numbers.
const push = { message: 'views', articleId: 'hello', totalViews: 12, uniqueViews: 9, readingNow: 2, site: { totalViews: 1234, uniqueViews: 800 } };

const variants = {
  source: readFileSync(new URL('../viewcount.js', import.meta.url), 'utf8'),
  minified: (await buildCode()).classic,
};

// A fake element: id, class, data- attributes, text, inline style, the `hidden` attribute and the display a
// stylesheet gives it (`sheet`: what getComputedStyle says while no inline style is set).
function element({ id = '', cls = null, attrs = {}, text = '', display = '', sheet = '', hidden = false } = {}) {
  return {
    id,
    hidden,
    sheet,
    textContent: text,
    style: { display },
    getAttribute: (name) => (name === 'class' ? cls : (attrs[name] ?? null)),
  };
}

// A fake parent of `children` (slots), with a label's text beside theirs and maybe a link: what the
// client's walk up from a filled value asks of it. `into` makes an existing element the parent.
function parentOf(children, { label = '', link = false, sheet = '', into } = {}) {
  const parent = into || element({ sheet });
  Object.assign(parent, {
    querySelectorAll: () => children,
    querySelector: () => (link ? { tagName: 'A' } : null),
  });
  Object.defineProperty(parent, 'textContent', { get: () => label + children.map((c) => c.textContent).join(' ') });
  for (const child of children) child.parentElement = parent;
  return parent;
}

// What the page shows of an element, as a browser computes it: the inline style wins over the
// stylesheet, and `hidden` is display none unless a style says otherwise.
const computedDisplay = (el) => el.style.display || el.sheet || (el.hidden ? 'none' : 'inline');

function browser({
  code = variants.source,
  path = '/posts/hello', // the page's path, with its query and fragment if it has them ('/posts/hello?utm_source=x')
  title = 'Hello',
  referrer = '',
  dataset = { endpoint: ENDPOINT },
  src = '', // the script tag's URL
  metas = {},
  ogType = null, // <meta property="og:type" content=...>
  elements = [],
  navigationType = 'navigate',
  navigator = {},
  storage = {},
  readyState = 'complete',
  prerendering = false,
  visibilityState = 'visible',
  constructorThrows = false,
  randomUUID, // crypto.randomUUID, which only secure contexts have
} = {}) {
  const sockets = [];
  const warnings = [];
  const listeners = {};
  const timers = [];
  let now = 0;
  let nextTimer = 1;

  class FakeWebSocket {
    constructor(url) {
      if (constructorThrows) throw new SyntaxError('bad url');
      this.url = url;
      this.readyState = 0;
      this.sent = [];
      sockets.push(this);
    }
    send(data) {
      if (this.readyState !== 1) throw new Error('InvalidStateError');
      this.sent.push(JSON.parse(data));
    }
    close() {
      this.readyState = 3;
      this.closedByClient = true;
      this.onclose?.({ code: 1000 });
    }
    // test controls
    open() {
      this.readyState = 1;
      this.onopen?.({});
    }
    push(message) {
      this.onmessage?.({ data: typeof message === 'string' ? message : JSON.stringify(message) });
    }
    drop() {
      this.readyState = 3;
      this.onclose?.({ code: 1006 });
    }
  }

  const on = (target) => (type, fn) => (listeners[`${target}:${type}`] ||= []).push(fn);
  const fire = (key, event = {}) => (listeners[key] || []).forEach((fn) => fn(event));

  // As a browser's: `search` is the query with its '?', or '' (none, or a bare '?').
  const at = new URL(path, ORIGIN);
  const location = { pathname: path.split(/[?#]/)[0], search: at.search, origin: ORIGIN };
  const document = {
    readyState,
    prerendering,
    visibilityState,
    title,
    referrer,
    currentScript: dataset && { dataset, src },
    querySelectorAll: () => elements,
    querySelector: (selector) => {
      if (selector === 'meta[property="og:type"]') return ogType == null ? null : { content: ogType };
      const name = /^meta\[name="viewcount:([\w-]+)"\]$/.exec(selector)?.[1];
      return name && metas[name] != null ? { content: metas[name] } : null;
    },
    addEventListener: on('document'),
  };
  const history = {
    pushState(state, unused, url) {
      const to = new URL(url, ORIGIN + location.pathname + location.search);
      location.pathname = to.pathname;
      location.search = to.search;
    },
  };
  const context = {
    document,
    location,
    history,
    navigator,
    performance: { getEntriesByType: (type) => (type === 'navigation' ? [{ type: navigationType }] : []) },
    WebSocket: FakeWebSocket,
    URL,
    crypto: { randomUUID },
    getComputedStyle: (el) => ({ display: computedDisplay(el) }),
    console: { warn: (...args) => warnings.push(args), log: (...args) => warnings.push(args) },
    addEventListener: on('window'),
    setTimeout: (fn, delay = 0) => {
      timers.push({ id: nextTimer, at: now + delay, fn });
      return nextTimer++;
    },
    clearTimeout: (id) => {
      const i = timers.findIndex((t) => t.id === id);
      if (i >= 0) timers.splice(i, 1);
    },
  };
  Object.defineProperty(context, 'localStorage', {
    get() {
      if (storage instanceof Error) throw storage;
      return storage;
    },
  });
  context.window = context;
  vm.createContext(context);
  // import() loads modules in the test's own context (the HTTP fallback's globals are the test's).
  vm.runInContext(code, context, { importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER });

  return {
    context,
    sockets,
    warnings,
    elements,
    document,
    location,
    get socket() {
      return sockets[sockets.length - 1];
    },
    // all messages sent over every socket, in order
    get sent() {
      return sockets.flatMap((s) => s.sent);
    },
    get views() {
      return sockets.flatMap((s) => s.sent).filter((m) => m.message === 'views');
    },
    get counts() {
      return sockets.flatMap((s) => s.sent).filter((m) => m.message === 'counts');
    },
    // advance the fake clock, running due timers in order
    tick(ms) {
      const end = now + ms;
      for (;;) {
        timers.sort((a, b) => a.at - b.at || a.id - b.id);
        const due = timers[0];
        if (!due || due.at > end) break;
        timers.shift();
        now = due.at;
        due.fn();
      }
      now = end;
    },
    setOgType(content) {
      ogType = content;
    },
    setVisibility(state) {
      document.visibilityState = state;
      fire('document:visibilitychange');
    },
    fire,
    navigate(url) {
      context.history.pushState({}, '', url);
    },
  };
}

for (const [variant, code] of Object.entries(variants)) {
  const make = (options = {}) => browser({ code, ...options });

  describe(`${variant}: page load`, () => {
    test('auto-starts from its script tag and sends exactly one view once the socket is open', () => {
      const b = make({ referrer: 'https://news.ycombinator.com/', dataset: { endpoint: ENDPOINT, articleId: 'abc', articleTitle: 'Hello' } });
      assert.equal(b.sockets.length, 1);
      assert.equal(b.socket.url, ENDPOINT);
      assert.deepEqual(b.socket.sent, []); // still connecting
      b.socket.open();
      assert.deepEqual(b.socket.sent, [
        { message: 'views', articleId: 'abc', article: true, articleTitle: 'Hello', currentPage: '/posts/hello', refreshed: false, referrer: 'https://news.ycombinator.com/' },
      ]);
      b.tick(120000);
      assert.equal(b.views.length, 1);
    });

    test('without data-endpoint nothing starts, but window.viewcount exists', () => {
      const b = make({ dataset: {} });
      assert.equal(b.sockets.length, 0);
      assert.equal(typeof b.context.viewcount.start, 'function');
      assert.equal(typeof b.context.viewcount.track, 'function');
    });

    test('fallbacks: no id, title from document.title, previousPage from a same-origin referrer', () => {
      const b = make({ path: '/posts/my-post/index.html', title: 'My post', referrer: `${ORIGIN}/archive/` });
      b.socket.open();
      assert.deepEqual(b.views, [
        { message: 'views', article: false, articleTitle: 'My post', previousPage: '/archive/', currentPage: '/posts/my-post/index.html', refreshed: false },
      ]);
    });

    test('no id is made up from the path: the server keys such a page by its path', () => {
      for (const path of ['/posts/hello', '/posts/hello/', '/posts/hello.html', '/2024/05/my-post/', '/tags/js/', '/myindex.html']) {
        const b = make({ path });
        b.socket.open();
        assert.equal('articleId' in b.views[0], false, path);
        assert.equal(b.views[0].currentPage, path);
        assert.equal(b.views[0].article, false, path);
      }
    });

    test('meta tags beat the fallbacks, script data- attributes beat meta tags', () => {
      const metas = { 'article-id': 'from-meta', 'article-title': 'Meta title' };
      const b1 = make({ metas });
      b1.socket.open();
      assert.equal(b1.views[0].articleId, 'from-meta');
      assert.equal(b1.views[0].articleTitle, 'Meta title');
      const b2 = make({ metas, dataset: { endpoint: ENDPOINT, articleId: 'from-tag', articleTitle: 'Tag title' } });
      b2.socket.open();
      assert.equal(b2.views[0].articleId, 'from-tag');
      assert.equal(b2.views[0].articleTitle, 'Tag title');
    });

    test('home page: no articleId; invalid ids are omitted', () => {
      const b1 = make({ path: '/' });
      b1.socket.open();
      assert.equal('articleId' in b1.views[0], false);
      assert.equal(b1.views[0].currentPage, '/');
      const b2 = make({ path: '/posts/caf%C3%A9', metas: { 'article-id': 'caf%C3%A9' } });
      b2.socket.open();
      assert.equal('articleId' in b2.views[0], false);
      assert.equal(b2.views[0].currentPage, '/posts/caf%C3%A9');
    });

    test('reload, GPC/DNT and webdriver flags', () => {
      const b = make({ navigationType: 'reload', navigator: { globalPrivacyControl: true, webdriver: true } });
      b.socket.open();
      assert.equal(b.views[0].refreshed, true);
      assert.equal(b.views[0].gpc, true);
      assert.equal(b.views[0].webdriver, true);
      const dnt = make({ navigator: { doNotTrack: '1' } });
      dnt.socket.open();
      assert.equal(dnt.views[0].gpc, true);
      assert.equal('webdriver' in dnt.views[0], false);
    });

    test('waits for DOMContentLoaded while the document is loading', () => {
      const b = make({ readyState: 'loading' });
      assert.equal(b.sockets.length, 0);
      b.fire('document:DOMContentLoaded');
      assert.equal(b.sockets.length, 1);
    });

    test('a speculative prerender is not counted until it is shown', () => {
      const b = make({ prerendering: true });
      assert.equal(b.sockets.length, 0);
      b.document.prerendering = false;
      b.fire('document:prerenderingchange');
      b.socket.open();
      assert.equal(b.views.length, 1);
    });
  });

  describe(`${variant}: the article flag`, () => {
    const articleOf = (options) => {
      const b = make(options);
      b.socket.open();
      assert.equal(b.views.length, 1);
      assert.equal(typeof b.views[0].article, 'boolean');
      return b.views[0].article;
    };

    test('false by default, on any path', () => {
      assert.equal(articleOf({ path: '/posts/hello' }), false);
      assert.equal(articleOf({ path: '/' }), false);
    });

    test('from <meta property="og:type" content="article"> only', () => {
      assert.equal(articleOf({ ogType: 'article' }), true);
      assert.equal(articleOf({ ogType: 'website' }), false);
      assert.equal(articleOf({ ogType: '' }), false);
    });

    test('from <meta name="viewcount:article">: "false" is false, any other value true; it beats og:type', () => {
      assert.equal(articleOf({ metas: { article: 'true' } }), true);
      assert.equal(articleOf({ metas: { article: 'yes' } }), true);
      assert.equal(articleOf({ metas: { article: 'false' } }), false);
      assert.equal(articleOf({ metas: { article: 'false' }, ogType: 'article' }), false);
      assert.equal(articleOf({ metas: { article: 'true' }, ogType: 'website' }), true);
    });

    test('from the script tag\'s data-article ("false" is false, any other value true), beating meta and og:type', () => {
      assert.equal(articleOf({ dataset: { endpoint: ENDPOINT, article: 'true' } }), true);
      assert.equal(articleOf({ dataset: { endpoint: ENDPOINT, article: 'false' }, ogType: 'article' }), false);
      assert.equal(articleOf({ dataset: { endpoint: ENDPOINT, article: 'false' }, metas: { article: 'true' } }), false);
      assert.equal(articleOf({ dataset: { endpoint: ENDPOINT, article: 'true' }, metas: { article: 'false' } }), true);
    });

    test('a bare data-article (empty value) marks an article', () => {
      assert.equal(articleOf({ dataset: { endpoint: ENDPOINT, article: '' } }), true);
    });

    test('an explicit id always makes it an article, whatever the flag says', () => {
      assert.equal(articleOf({ dataset: { endpoint: ENDPOINT, articleId: 'tagged' } }), true);
      assert.equal(articleOf({ metas: { 'article-id': 'meta-id' } }), true);
      assert.equal(articleOf({ metas: { 'article-id': 'meta-id', article: 'false' } }), true);
      assert.equal(articleOf({ dataset: { endpoint: ENDPOINT, articleId: 'tagged', article: 'false' }, ogType: 'website' }), true);
    });

    test('track(): { article } and { articleId } per view; data-article applies to the first view only', () => {
      const b = make({ path: '/a', dataset: { endpoint: ENDPOINT, article: 'true', spa: 'false' } });
      b.socket.open();
      b.location.pathname = '/b';
      b.context.viewcount.track();
      b.context.viewcount.track({ article: true });
      b.context.viewcount.track({ article: 'false' });
      b.context.viewcount.track({ articleId: 'manual' });
      assert.deepEqual(b.views.map((v) => [v.articleId, v.article]), [
        [undefined, true], [undefined, false], [undefined, true], [undefined, false], ['manual', true],
      ]);
    });

    test('track({ article: false }) beats og:type', () => {
      const b = make({ ogType: 'article', dataset: { endpoint: ENDPOINT, spa: 'false' } });
      b.socket.open();
      b.context.viewcount.track({ article: false });
      assert.deepEqual(b.views.map((v) => v.article), [true, false]);
    });

    test('an SPA navigation reads the new page\'s og:type and meta', () => {
      const metas = {};
      const b = make({ path: '/', ogType: 'website', metas });
      b.socket.open();
      b.setOgType('article');
      b.navigate('/posts/x/');
      b.tick(100);
      metas.article = 'false';
      b.navigate('/posts/y/');
      b.tick(100);
      delete metas.article;
      b.setOgType(null);
      b.navigate('/tags/js/');
      b.tick(100);
      assert.deepEqual(b.views.map((v) => [v.currentPage, v.article]), [['/', false], ['/posts/x/', true], ['/posts/y/', false], ['/tags/js/', false]]);
    });
  });

  describe(`${variant}: display`, () => {

    test('placeholders until the first push, then every slot filled, containers revealed', () => {
      const els = {
        total: element({ attrs: { 'data-viewcount': 'total' } }),
        unique: element({ attrs: { 'data-viewcount': 'unique' }, text: 'n/a' }),
        reading: element({ attrs: { 'data-viewcount': 'reading' } }),
        pagePv: element({ id: 'busuanzi_value_page_pv' }),
        pageUv: element({ cls: 'busuanzi_value_page_uv' }),
        sitePv: element({ id: 'busuanzi_value_site_pv' }),
        siteUv: element({ cls: 'meta busuanzi_value_site_uv' }),
        pageBox: element({ id: 'busuanzi_container_page_pv', display: 'none' }),
        siteBox: element({ cls: 'busuanzi_container_site_uv', display: 'none' }),
      };
      const b = make({ elements: Object.values(els) });
      assert.equal(els.total.textContent, DASH);
      assert.equal(els.unique.textContent, 'n/a'); // existing content stays
      assert.equal(els.pagePv.textContent, DASH);
      assert.equal(els.pageBox.style.display, 'none');
      assert.equal(els.pageBox.textContent, ''); // containers get no placeholder
      b.socket.open();
      b.socket.push(push);
      assert.deepEqual(
        Object.fromEntries(Object.entries(els).map(([k, e]) => [k, e.textContent])),
        { total: '12', unique: '9', reading: '2', pagePv: '12', pageUv: '9', sitePv: '1234', siteUv: '800', pageBox: '', siteBox: '' },
      );
      // Shown as busuanzi shows them.
      assert.equal(els.pageBox.style.display, 'inline');
      assert.equal(els.siteBox.style.display, 'inline');
      b.socket.push({ ...push, totalViews: 13, readingNow: 3 });
      assert.equal(els.total.textContent, '13');
      assert.equal(els.pagePv.textContent, '13');
      assert.equal(els.reading.textContent, '3');
    });

    test('a push without `site` leaves site slots and containers untouched; pageName pushes count too', () => {
      const sitePv = element({ id: 'busuanzi_value_site_pv' });
      const siteBox = element({ id: 'busuanzi_container_site_pv', display: 'none' });
      const total = element({ attrs: { 'data-viewcount': 'total' } });
      const b = make({ path: '/', elements: [sitePv, siteBox, total] });
      b.socket.open();
      b.socket.push({ message: 'views', pageName: 'Home_Page', totalViews: 40, uniqueViews: 30, readingNow: 1 });
      assert.equal(total.textContent, '40');
      assert.equal(sitePv.textContent, DASH);
      assert.equal(siteBox.style.display, 'none');
    });

    test('a push naming its page by path is painted like any other', () => {
      const total = element({ attrs: { 'data-viewcount': 'total' } });
      const pv = element({ id: 'busuanzi_value_page_pv' });
      const siteUv = element({ id: 'busuanzi_value_site_uv' });
      const b = make({ path: '/tags/js/', elements: [total, pv, siteUv] });
      b.socket.open();
      b.socket.push({ message: 'views', path: '/tags/js', totalViews: 21, uniqueViews: 11, readingNow: 1, site: { totalViews: 900, uniqueViews: 300 } });
      assert.equal(total.textContent, '21');
      assert.equal(pv.textContent, '21');
      assert.equal(siteUv.textContent, '300');
    });

    test('a push never paints index slots (by article or by path)', () => {
      const byId = element({ attrs: { 'data-viewcount-article': 'other' } });
      const byPath = element({ attrs: { 'data-viewcount-path': '/tags/js/' } });
      const total = element({ attrs: { 'data-viewcount': 'total' } });
      const b = make({ path: '/', elements: [byId, byPath, total] });
      b.socket.open();
      b.socket.push({ message: 'views', pageName: 'Home_Page', totalViews: 40, uniqueViews: 30, readingNow: 1 });
      assert.equal(total.textContent, '40');
      assert.equal(byId.textContent, DASH);
      assert.equal(byPath.textContent, DASH);
    });

    test('on() listeners receive pushes until unsubscribed', () => {
      const b = make();
      const seen = [];
      const off = b.context.viewcount.on((m) => seen.push(m.totalViews));
      b.socket.open();
      b.socket.push({ ...push, totalViews: 1 });
      off();
      b.socket.push({ ...push, totalViews: 2 });
      assert.deepEqual(seen, [1]);
    });
  });

  describe(`${variant}: index pages`, () => {
    test('one counts request for unique listed ids; answers fill the elements; no extra views', () => {
      const a = element({ attrs: { 'data-viewcount-article': 'post-a' } });
      const a2 = element({ attrs: { 'data-viewcount-article': 'post-a', 'data-viewcount-kind': 'unique' } });
      const c = element({ attrs: { 'data-viewcount-article': 'post-c' }, text: '?' });
      const bad = element({ attrs: { 'data-viewcount-article': 'not valid' } });
      const total = element({ attrs: { 'data-viewcount': 'total' } });
      const b = make({ path: '/', elements: [a, a2, c, bad, total] });
      assert.equal(a.textContent, DASH);
      b.socket.open();
      assert.deepEqual(b.socket.sent, [
        { message: 'views', article: false, articleTitle: 'Hello', currentPage: '/', refreshed: false },
        { message: 'counts', articleIds: ['post-a', 'post-c'], paths: [] },
      ]);
      b.socket.push({ message: 'counts', counts: { 'post-a': { totalViews: 5, uniqueViews: 4 } } });
      assert.equal(a.textContent, '5');
      assert.equal(a2.textContent, '4');
      assert.equal(c.textContent, '?'); // not in the answer: untouched
      assert.equal(total.textContent, DASH); // counts answers never fill the current page when counting
      assert.equal(b.views.length, 1);
    });

    test('data-viewcount-path slots: unique paths asked for as written, answers from `paths` fill them', () => {
      const tag = element({ attrs: { 'data-viewcount-path': '/tags/js/' } });
      const tagUnique = element({ attrs: { 'data-viewcount-path': '/tags/js/', 'data-viewcount-kind': 'unique' } });
      const archive = element({ attrs: { 'data-viewcount-path': '/archives/' }, text: '?' });
      const post = element({ attrs: { 'data-viewcount-article': 'post-a' } });
      const total = element({ attrs: { 'data-viewcount': 'total' } });
      const b = make({ path: '/', elements: [tag, tagUnique, archive, post, total] });
      assert.equal(tag.textContent, DASH);
      assert.equal(archive.textContent, '?');
      b.socket.open();
      assert.deepEqual(b.counts, [{ message: 'counts', articleIds: ['post-a'], paths: ['/tags/js/', '/archives/'] }]);
      b.socket.push({
        message: 'counts',
        counts: { 'post-a': { totalViews: 5, uniqueViews: 4 }, '/tags/js/': { totalViews: 99, uniqueViews: 98 } },
        paths: { '/tags/js/': { totalViews: 7, uniqueViews: 3 }, 'post-a': { totalViews: 66, uniqueViews: 65 } },
      });
      assert.equal(tag.textContent, '7');
      assert.equal(tagUnique.textContent, '3');
      assert.equal(archive.textContent, '?'); // not in the answer: untouched
      assert.equal(post.textContent, '5'); // ids read `counts`, paths read `paths`, never the other way
      assert.equal(total.textContent, DASH); // the current page is counting: not from a counts answer
      assert.equal(b.views.length, 1);
    });

    test('an answer without `paths` leaves path slots alone', () => {
      const tag = element({ attrs: { 'data-viewcount-path': '/tags/js/' } });
      const b = make({ path: '/', elements: [tag] });
      b.socket.open();
      b.socket.push({ message: 'counts', counts: { '/tags/js/': { totalViews: 5, uniqueViews: 4 } } });
      assert.equal(tag.textContent, DASH);
    });

    test('no index slots: no counts request at all', () => {
      const b = make({ path: '/', elements: [element({ attrs: { 'data-viewcount': 'total' } })] });
      b.socket.open();
      assert.deepEqual(b.counts, []);
      assert.equal(b.views.length, 1);
    });

    test('at most 100 ids per request', () => {
      const els = Array.from({ length: 130 }, (_, i) => element({ attrs: { 'data-viewcount-article': `p${i}` } }));
      const b = make({ path: '/', elements: els });
      b.socket.open();
      assert.equal(b.counts.length, 1);
      assert.equal(b.counts[0].articleIds.length, 100);
      assert.equal(b.counts[0].articleIds[99], 'p99');
      assert.deepEqual(b.counts[0].paths, []);
    });

    test('at most 100 ids and paths in all: ids first, then as many paths as fit', () => {
      const ids = Array.from({ length: 60 }, (_, i) => element({ attrs: { 'data-viewcount-article': `p${i}` } }));
      const paths = Array.from({ length: 60 }, (_, i) => element({ attrs: { 'data-viewcount-path': `/tags/t${i}/` } }));
      const b1 = make({ path: '/', elements: [...paths, ...ids] });
      b1.socket.open();
      assert.equal(b1.counts[0].articleIds.length, 60);
      assert.equal(b1.counts[0].paths.length, 40);
      assert.equal(b1.counts[0].paths[39], '/tags/t39/');
      const b2 = make({ path: '/', elements: paths.concat(paths.slice(0, 10), ids.slice(0, 30)) });
      b2.socket.open();
      assert.equal(b2.counts[0].articleIds.length, 30);
      assert.equal(b2.counts[0].paths.length, 60); // duplicates do not use up the budget
      const many = Array.from({ length: 130 }, (_, i) => element({ attrs: { 'data-viewcount-article': `p${i}` } }));
      const b3 = make({ path: '/', elements: [...many, ...paths] });
      b3.socket.open();
      assert.equal(b3.counts[0].articleIds.length, 100);
      assert.deepEqual(b3.counts[0].paths, []);
      const onlyPaths = Array.from({ length: 130 }, (_, i) => element({ attrs: { 'data-viewcount-path': `/p/${i}/` } }));
      const b4 = make({ path: '/', elements: onlyPaths });
      b4.socket.open();
      assert.deepEqual(b4.counts[0].articleIds, []);
      assert.equal(b4.counts[0].paths.length, 100);
      assert.equal(b4.counts[0].paths[99], '/p/99/');
    });
  });

  describe(`${variant}: resilience`, () => {
    test('reconnects with backoff after a drop and never resends a view whose push came back', () => {
      const b = make({ elements: [element({ attrs: { 'data-viewcount-article': 'other' } })] });
      b.socket.open();
      assert.equal(b.views.length, 1);
      b.socket.push(push);
      b.socket.drop();
      assert.equal(b.sockets.length, 1);
      b.tick(1000); // first retry lands within base (1 s)
      assert.equal(b.sockets.length, 2);
      b.socket.open();
      assert.deepEqual(b.socket.sent, [{ message: 'counts', articleIds: ['other'], paths: [] }]);
      assert.equal(b.views.length, 1);
    });

    test('path slots are asked for again after a reconnect', () => {
      const b = make({ path: '/', elements: [element({ attrs: { 'data-viewcount-path': '/tags/js/' } })] });
      b.socket.open();
      b.socket.push(push);
      b.socket.drop();
      b.tick(1000);
      b.socket.open();
      assert.deepEqual(b.socket.sent, [{ message: 'counts', articleIds: [], paths: ['/tags/js/'] }]);
      assert.equal(b.views.length, 1);
    });

    test('backoff grows while connecting fails and stays within 30 s', () => {
      const b = make();
      for (let i = 0; i < 12; i++) {
        const count = b.sockets.length;
        b.socket.drop();
        b.tick(Math.min(30000, 1000 * 2 ** i));
        assert.equal(b.sockets.length, count + 1, `retry ${i}`);
      }
      b.socket.open();
      assert.equal(b.views.length, 1); // the queued page view, sent once
      // a successful open resets the backoff: the next retry comes within the 1 s base again
      b.socket.drop();
      b.tick(1000);
      assert.equal(b.sockets.length, 14);
      assert.equal(b.views.length, 1);
    });

    test('a view made while disconnected is queued and sent once on reconnect', () => {
      const b = make({ path: '/posts/a' });
      b.socket.open();
      b.socket.push(push);
      b.socket.drop();
      b.navigate('/posts/b');
      b.tick(100);
      // the navigation connected right away (no need to wait for the retry)
      b.socket.open();
      b.tick(60000); // the pending retry finds a live socket and does nothing
      assert.equal(b.sockets.length, 2);
      assert.deepEqual(b.views.map((v) => v.currentPage), ['/posts/a', '/posts/b']);
    });

    test('a view whose push never came back is sent once more, with its viewId, and never a third time', () => {
      let n = 0;
      const b = make({ randomUUID: () => `id-${++n}` });
      b.socket.open();
      assert.equal(b.views[0].viewId, 'id-1');
      b.socket.drop(); // before the push: the view may not have been counted
      b.tick(1000);
      b.socket.open();
      assert.deepEqual(b.views.map((v) => v.viewId), ['id-1', 'id-1']);
      b.socket.drop(); // once more without a push: the server has had it twice, enough
      b.tick(2000);
      b.socket.open();
      assert.deepEqual(b.views.map((v) => v.viewId), ['id-1', 'id-1']);
    });

    test('an error frame answers a view: it is not sent again', () => {
      const b = make();
      b.socket.open();
      b.socket.push({ message: 'error', error: { code: 'unknown_page', detail: 'no' } });
      b.socket.drop();
      b.tick(1000);
      b.socket.open();
      assert.equal(b.views.length, 1);
    });

    test('without randomUUID (a plain-http page) a view has no viewId', () => {
      const b = make();
      b.socket.open();
      assert.equal('viewId' in b.views[0], false);
    });

    test('error frames, unknown and malformed frames never throw and stay silent without debug', () => {
      const b = make();
      b.socket.open();
      b.socket.push({ message: 'error', error: { code: 'rate_limited', detail: 'slow down' } });
      b.socket.push('not json');
      b.socket.push({ message: 'something-new' });
      b.socket.push({ message: 'counts' });
      assert.deepEqual(b.warnings, []);
    });

    test('data-debug warns with the [viewcount] prefix', () => {
      const b = make({ dataset: { endpoint: ENDPOINT, debug: '' } });
      b.socket.open();
      b.socket.push({ message: 'error', error: { code: 'bad_request', detail: 'x' } });
      b.socket.push('not json');
      assert.equal(b.warnings.length, 2);
      assert.ok(b.warnings.every((args) => args[0] === '[viewcount]'));
      assert.equal(JSON.stringify(b.warnings[0][1]), '{"code":"bad_request","detail":"x"}'); // object from the vm realm
    });

    test('a malformed endpoint does not throw into the page', () => {
      const b = make({ constructorThrows: true, dataset: { endpoint: 'nope', debug: '' } });
      assert.equal(b.sockets.length, 0);
      assert.equal(b.warnings.length, 1);
    });

    test('a throwing listener does not break the client', () => {
      const b = make();
      b.context.viewcount.on(() => {
        throw new Error('listener bug');
      });
      const total = element({ attrs: { 'data-viewcount': 'total' } });
      b.elements.push(total);
      b.socket.open();
      b.socket.push({ message: 'views', totalViews: 7 });
      assert.equal(total.textContent, '7');
      assert.deepEqual(b.warnings, []);
    });
  });

  describe(`${variant}: page visibility`, () => {
    test('closes after 30 s hidden, reconnects when visible without counting again', () => {
      const b = make();
      b.socket.open();
      b.setVisibility('hidden');
      b.tick(29999);
      assert.equal(b.socket.readyState, 1);
      b.tick(1);
      assert.equal(b.socket.closedByClient, true);
      b.tick(600000); // no reconnect while hidden
      assert.equal(b.sockets.length, 1);
      b.setVisibility('visible');
      assert.equal(b.sockets.length, 2);
      b.socket.open();
      assert.deepEqual(b.socket.sent, []);
      assert.equal(b.views.length, 1);
    });

    test('hidden for less than 30 s keeps the socket', () => {
      const b = make();
      b.socket.open();
      b.setVisibility('hidden');
      b.tick(20000);
      b.setVisibility('visible');
      b.tick(60000);
      assert.equal(b.sockets.length, 1);
      assert.equal(b.socket.readyState, 1);
    });

    test('a page loaded hidden still counts once and closes after 30 s', () => {
      const b = make({ visibilityState: 'hidden' });
      b.socket.open();
      b.tick(30000);
      assert.equal(b.socket.closedByClient, true);
      b.setVisibility('visible');
      b.socket.open();
      assert.equal(b.views.length, 1);
    });
  });

  describe(`${variant}: single-page apps`, () => {
    test('pushState to a new path counts a view with previousPage; same path does not', () => {
      const b = make({ path: '/', referrer: 'https://elsewhere.example/', metas: {} });
      b.socket.open();
      b.document.title = 'Second';
      b.navigate('/posts/second/');
      b.tick(100);
      b.navigate('/posts/second/#comments');
      b.tick(100);
      assert.deepEqual(b.views[1], { message: 'views', article: false, articleTitle: 'Second', previousPage: '/', currentPage: '/posts/second/', refreshed: false });
      assert.equal(b.views.length, 2);
    });

    test('popstate counts the page navigated back to; script data-article-id applies to the first view only', () => {
      const b = make({ path: '/posts/a', dataset: { endpoint: ENDPOINT, articleId: 'landing' } });
      b.socket.open();
      b.navigate('/posts/b');
      b.tick(100);
      b.location.pathname = '/posts/a';
      b.fire('window:popstate');
      b.tick(100);
      assert.deepEqual(b.views.map((v) => [v.articleId, v.article, v.currentPage, v.previousPage]), [
        ['landing', true, '/posts/a', undefined],
        [undefined, false, '/posts/b', '/posts/a'],
        [undefined, false, '/posts/a', '/posts/b'],
      ]);
    });

    test('data-spa="false" leaves history alone; track() counts manually', () => {
      const b = make({ path: '/posts/a', dataset: { endpoint: ENDPOINT, spa: 'false' } });
      b.socket.open();
      b.navigate('/posts/b');
      b.tick(1000);
      assert.equal(b.views.length, 1);
      b.context.viewcount.track({ articleId: 'manual', articleTitle: '  Manual  ' });
      assert.deepEqual(b.views[1], { message: 'views', articleId: 'manual', article: true, articleTitle: 'Manual', previousPage: '/posts/a', currentPage: '/posts/b', refreshed: false });
    });

    test('module-style start() without a script tag; track() before start() is ignored', () => {
      const b = make({ dataset: null });
      assert.doesNotThrow(() => b.context.viewcount.track({ articleId: 'x' }));
      assert.equal(b.sockets.length, 0);
      b.context.viewcount.start({ endpoint: ENDPOINT, articleId: 'from-start', spa: false });
      b.context.viewcount.start({ endpoint: 'wss://second.example' }); // ignored
      assert.equal(b.sockets.length, 1);
      b.socket.open();
      assert.equal(b.views[0].articleId, 'from-start');
      assert.equal(b.views[0].article, true);
      assert.equal(b.views.length, 1);
    });
  });

  describe(`${variant}: campaign tags`, () => {
    // What the server keeps of a page's query is its utm_source, utm_medium and utm_campaign: the view
    // carries them (the server counts the campaign from currentPage) and nothing else of the query.
    const SECRETS = /s3cr3t|ana%40example|ana@example|fbclid|gclid|utm_term|utm_content|token|email=/;

    test('a page URL with utm tags and other parameters: currentPage is exactly the path and the utm tags', () => {
      const b = make({
        path: '/posts/hello?token=s3cr3t&utm_source=newsletter&email=ana%40example.com&utm_medium=email&fbclid=x&utm_term=t&utm_campaign=launch&gclid=y',
        referrer: 'https://mail.example/',
      });
      b.socket.open();
      assert.deepEqual(b.views, [
        {
          message: 'views', article: false, articleTitle: 'Hello', currentPage: '/posts/hello?utm_source=newsletter&utm_medium=email&utm_campaign=launch',
          refreshed: false, referrer: 'https://mail.example/',
        },
      ]);
      assert.doesNotMatch(JSON.stringify(b.sent), SECRETS);
    });

    test('with campaign tags, the path and those tags in their order; without, the plain path', () => {
      for (const [query, sent] of [
        ['', ''],
        ['?', ''],
        ['?token=s3cr3t&email=ana%40example.com', ''],
        ['?utm_term=t&utm_content=c&utm_id=1', ''],
        ['?utm_source=&utm_medium', ''], // no value: nothing for the server to count
        ['?utm_medium=email', '?utm_medium=email'],
        ['?utm_campaign=launch&token=s3cr3t&utm_source=newsletter', '?utm_campaign=launch&utm_source=newsletter'],
        ['?utm_campaign=spring%20sale&utm_source=a+b', '?utm_campaign=spring%20sale&utm_source=a+b'], // as written: the server decodes
      ]) {
        const b = make({ path: `/posts/hello/${query}#comments` });
        b.socket.open();
        assert.equal(b.views[0].currentPage, `/posts/hello/${sent}`, query);
        assert.doesNotMatch(JSON.stringify(b.sent), SECRETS, query);
      }
    });

    test('SPA navigations and track() send the then-current path and utm tags; previousPage is a path', () => {
      const b = make({ path: '/?utm_source=newsletter&token=s3cr3t' });
      b.socket.open();
      b.navigate('/posts/a/?fbclid=x&utm_medium=social&utm_campaign=launch'); // pushState
      b.tick(100);
      b.navigate('/posts/b/'); // no tags: the plain path
      b.tick(100);
      b.location.pathname = '/posts/a/'; // Back
      b.location.search = '?utm_campaign=launch&email=ana%40example.com';
      b.fire('window:popstate');
      b.tick(100);
      b.navigate('/posts/c/?utm_source=mastodon&token=s3cr3t');
      b.context.viewcount.track({ articleId: 'manual' }); // at once, by hand
      b.tick(100); // the pushState's own view: same path as the one just counted, not counted again
      assert.deepEqual(b.views.map((v) => [v.currentPage, v.previousPage]), [
        ['/?utm_source=newsletter', undefined],
        ['/posts/a/?utm_medium=social&utm_campaign=launch', '/'],
        ['/posts/b/', '/posts/a/'],
        ['/posts/a/?utm_campaign=launch', '/posts/b/'],
        ['/posts/c/?utm_source=mastodon', '/posts/a/'],
      ]);
      assert.doesNotMatch(JSON.stringify(b.sent), SECRETS);
    });
  });

  describe(`${variant}: privacy`, () => {
    test('localStorage.viewcount_ignore = "1": no view, counts for the current article (by its id) fill the page', () => {
      const total = element({ attrs: { 'data-viewcount': 'total' } });
      const pv = element({ id: 'busuanzi_value_page_pv' });
      const reading = element({ attrs: { 'data-viewcount': 'reading' } });
      const b = make({ storage: { viewcount_ignore: '1' }, metas: { 'article-id': 'hello' }, elements: [total, pv, reading] });
      b.socket.open();
      assert.deepEqual(b.socket.sent, [{ message: 'counts', articleIds: ['hello'], paths: [] }]);
      b.socket.push({ message: 'counts', counts: { hello: { totalViews: 50, uniqueViews: 20 } }, paths: { '/posts/hello': { totalViews: 9, uniqueViews: 9 } } });
      assert.equal(total.textContent, '50');
      assert.equal(pv.textContent, '50');
      assert.equal(reading.textContent, DASH);
      assert.equal(b.views.length, 0);
    });

    test('ignored on a page without an id: asks for its path and fills the page from `paths`', () => {
      const total = element({ attrs: { 'data-viewcount': 'total' } });
      const uv = element({ id: 'busuanzi_value_page_uv' });
      const b = make({ path: '/posts/hello/', storage: { viewcount_ignore: '1' }, elements: [total, uv] });
      b.socket.open();
      assert.deepEqual(b.sent, [{ message: 'counts', articleIds: [], paths: ['/posts/hello/'] }]);
      b.socket.push({ message: 'counts', counts: {}, paths: { '/posts/other/': { totalViews: 1, uniqueViews: 1 } } });
      assert.equal(total.textContent, DASH); // another path's numbers are not this page's
      b.socket.push({ message: 'counts', counts: { hello: { totalViews: 8, uniqueViews: 8 } }, paths: { '/posts/hello/': { totalViews: 31, uniqueViews: 17 } } });
      assert.equal(total.textContent, '31');
      assert.equal(uv.textContent, '17');
      assert.equal(b.views.length, 0);
    });

    test('ignored on the home page: asks for "/" by path, still sends no view', () => {
      const b = make({ path: '/', storage: { viewcount_ignore: '1' } });
      b.socket.open();
      assert.deepEqual(b.sent, [{ message: 'counts', articleIds: [], paths: ['/'] }]);
    });

    test('ignored with index slots: the current page comes first and counts towards the 100', () => {
      const paths = Array.from({ length: 100 }, (_, i) => element({ attrs: { 'data-viewcount-path': `/tags/t${i}/` } }));
      const b = make({ path: '/tags/', storage: { viewcount_ignore: '1' }, elements: [element({ attrs: { 'data-viewcount-article': 'a' } }), ...paths] });
      b.socket.open();
      assert.equal(b.counts.length, 1);
      assert.deepEqual(b.counts[0].articleIds, ['a']);
      assert.equal(b.counts[0].paths.length, 99);
      assert.deepEqual(b.counts[0].paths.slice(0, 2), ['/tags/', '/tags/t0/']);
    });

    test('ignored in an SPA: each navigation asks for the new page', () => {
      const b = make({ path: '/posts/a/', storage: { viewcount_ignore: '1' } });
      b.socket.open();
      b.navigate('/tags/js/');
      b.tick(100);
      b.context.viewcount.track({ articleId: 'manual' });
      assert.deepEqual(b.counts, [
        { message: 'counts', articleIds: [], paths: ['/posts/a/'] },
        { message: 'counts', articleIds: [], paths: ['/tags/js/'] },
        { message: 'counts', articleIds: ['manual'], paths: [] },
      ]);
      assert.equal(b.views.length, 0);
    });

    test('blocked storage counts normally and writes nothing', () => {
      const storage = {};
      const b1 = make({ storage: new Error('SecurityError') });
      b1.socket.open();
      assert.equal(b1.views.length, 1);
      const b2 = make({ storage });
      b2.socket.open();
      assert.deepEqual(storage, {});
      assert.equal('cookie' in b2.document, false);
    });
  });
}

// The module viewcount.js imports when no socket opens: it records what it is handed (it runs in the
// test's own context, see browser()).
const RECORDING_HTTP_MODULE = `data:text/javascript,${encodeURIComponent(
  'export default (options, views, countsRequest, receive) => globalThis.httpCalls.push({ options, views, request: countsRequest(), receive });',
)}`;
// Values from the page's realm, as plain values of the test's (deepEqual compares prototypes).
const plain = (value) => JSON.parse(JSON.stringify(value));
const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

for (const [variant, code] of Object.entries(variants)) {
  const make = (options = {}) => browser({ code, ...options });

  describe(`${variant}: themes`, () => {
    test('the endpoint and other options come from the script URL; data- attributes win', () => {
      const b = make({ dataset: {}, src: `${ORIGIN}/js/viewcount.min.js?endpoint=${encodeURIComponent(ENDPOINT)}&articleId=from-url` });
      assert.equal(b.socket.url, ENDPOINT);
      b.socket.open();
      assert.equal(b.views[0].articleId, 'from-url');
      const b2 = make({ dataset: { endpoint: 'wss://other.example/' }, src: `${ORIGIN}/js/viewcount.min.js?endpoint=${ENDPOINT}` });
      assert.equal(b2.socket.url, 'wss://other.example/');
      // A theme that appends its own file name to the URL (Fluid) adds a parameter that is ignored.
      const b3 = make({ dataset: {}, src: `${ORIGIN}/js/viewcount.min.js?endpoint=${ENDPOINT}&/busuanzi.pure.mini.js` });
      assert.equal(b3.socket.url, ENDPOINT);
      assert.equal(make({ dataset: {}, src: `${ORIGIN}/js/viewcount.min.js` }).sockets.length, 0);
    });

    test('containers hidden by a stylesheet or the hidden attribute are shown once their number is in', () => {
      const bySheet = element({ id: 'busuanzi_container_site_pv', sheet: 'none' });
      const byAttribute = element({ id: 'busuanzi_container_site_uv', hidden: true });
      const visible = element({ id: 'busuanzi_container_page_pv', sheet: 'flex' });
      const b = make({ elements: [bySheet, byAttribute, visible] });
      b.socket.open();
      assert.equal(computedDisplay(bySheet), 'none'); // nothing shown before the numbers
      b.socket.push(push);
      assert.equal(computedDisplay(bySheet), 'inline');
      assert.equal(computedDisplay(byAttribute), 'inline');
      assert.equal(byAttribute.hidden, false);
      assert.equal(computedDisplay(visible), 'flex'); // a shown container keeps its own display
    });

    test('a wrapper of the theme around a value is shown with its number, not with the placeholder', () => {
      // <span class="count-item" (display: none)><span>Visitors</span> <span id="busuanzi_value_site_uv"></span></span>
      const value = element({ id: 'busuanzi_value_site_uv' });
      const wrapper = parentOf([value], { sheet: 'none', label: 'Visitors ' });
      // <nav class="drawer" (display: none)><a>Home</a> Views <span class="busuanzi_value_site_pv"></span></nav>
      const inDrawer = element({ cls: 'busuanzi_value_site_pv' });
      const drawer = parentOf([inDrawer], { sheet: 'none', label: 'Views ', link: true });
      // A container whose value gets the placeholder first: shown only with the number.
      const inBox = element({ id: 'busuanzi_value_page_pv' });
      const box = element({ id: 'busuanzi_container_page_pv', sheet: 'none' });
      parentOf([inBox], { label: 'Views ', into: box });
      const b = make({ elements: [value, inDrawer, box, inBox] });
      assert.equal(value.textContent, DASH);
      assert.deepEqual([wrapper, drawer, box].map(computedDisplay), ['none', 'none', 'none']);
      b.socket.open();
      b.socket.push(push);
      assert.equal(inDrawer.textContent, '1234');
      assert.deepEqual([wrapper, drawer, box].map(computedDisplay), ['inline', 'none', 'inline']);
    });

    test('a wrapper with more than a label of text is not the counter\'s: it stays hidden', () => {
      const value = element({ id: 'busuanzi_value_site_uv' });
      const wrapper = parentOf([value], { sheet: 'none', label: 'Posted on 2026-12-07 in notes, 1,200 words, 6 minutes to read; visitors ' });
      const b = make({ elements: [value] });
      b.socket.open();
      b.socket.push(push);
      assert.equal(value.textContent, '800');
      assert.equal(computedDisplay(wrapper), 'none');
    });

    test("vercount's ids are filled like busuanzi's", () => {
      const els = [element({ id: 'vercount_value_page_pv' }), element({ id: 'vercount_value_site_uv' }), element({ id: 'vercount_container_site_pv', sheet: 'none' })];
      const b = make({ elements: els });
      b.socket.open();
      b.socket.push(push);
      assert.deepEqual(els.map((e) => e.textContent), ['12', '800', '']);
      assert.equal(computedDisplay(els[2]), 'inline');
    });

    test('pjax: the new page is counted once its content is in, not at the URL change', () => {
      const b = make({ path: '/posts/a/', title: 'A' });
      b.socket.open();
      b.fire('document:pjax:send');
      b.navigate('/posts/b/'); // Back/Forward: the URL changes before pjax has the content
      b.tick(1000);
      assert.equal(b.views.length, 1);
      b.document.title = 'B';
      b.fire('document:pjax:complete');
      b.tick(100);
      assert.deepEqual(b.views.map((v) => [v.currentPage, v.articleTitle, v.previousPage]), [
        ['/posts/a/', 'A', undefined],
        ['/posts/b/', 'B', '/posts/a/'],
      ]);
    });
  });

  describe(`${variant}: blocked WebSockets`, () => {
    const HTTP = 'https://api.example/stage';
    const blocked = (options = {}) => {
      globalThis.httpCalls = [];
      return make({ dataset: { endpoint: ENDPOINT, httpEndpoint: HTTP, httpModule: RECORDING_HTTP_MODULE }, ...options });
    };

    test('a socket that closed before it opened hands the waiting view to the HTTP module, once', async () => {
      const b = blocked({ path: '/posts/a/', elements: [element({ attrs: { 'data-viewcount-path': '/tags/' } })] });
      b.socket.drop();
      b.tick(4999);
      await settle();
      assert.equal(globalThis.httpCalls.length, 0); // a refused socket is retried for 5 s first
      b.tick(1);
      await settle();
      assert.equal(globalThis.httpCalls.length, 1);
      const [call] = globalThis.httpCalls;
      assert.equal(call.options.httpEndpoint, HTTP);
      assert.deepEqual(plain(call.views.map((v) => v.currentPage)), ['/posts/a/']);
      // The page's own counts are asked for, as it is not counted over a socket.
      assert.deepEqual(plain(call.request), { articleIds: [], paths: ['/posts/a/', '/tags/'] });
      b.socket.drop(); // the retries fail too: nothing is sent twice
      b.tick(30000);
      await settle();
      assert.equal(globalThis.httpCalls.length, 1);
      assert.equal(b.views.length, 0);
    });

    test("the HTTP answer fills the page's and the site's slots", async () => {
      const els = [element({ id: 'busuanzi_value_page_pv' }), element({ id: 'busuanzi_value_site_uv' })];
      const b = blocked({ path: '/posts/a/', elements: els });
      b.tick(5000);
      await settle();
      globalThis.httpCalls[0].receive({ message: 'counts', counts: {}, paths: { '/posts/a/': { totalViews: 5, uniqueViews: 4 } }, site: { totalViews: 50, uniqueViews: 40 } });
      assert.deepEqual(els.map((e) => e.textContent), ['5', '40']);
    });

    test('a socket still connecting after 5 s is taken as blocked', async () => {
      const b = blocked();
      b.tick(4999);
      await settle();
      assert.equal(globalThis.httpCalls.length, 0);
      b.tick(1);
      await settle();
      assert.equal(globalThis.httpCalls.length, 1);
    });

    test('a view sent but unanswered goes by HTTP when the next socket does not open', async () => {
      let n = 0;
      const b = blocked({ randomUUID: () => `id-${++n}` });
      b.socket.open();
      b.socket.drop();
      b.tick(1000);
      b.socket.drop(); // the retry never opens
      b.tick(5000);
      await settle();
      assert.deepEqual(plain(globalThis.httpCalls[0].views.map((v) => v.viewId)), ['id-1']);
    });

    test('when the HTTP module cannot be loaded, the views wait for a socket again', async () => {
      for (const dataset of [
        { endpoint: ENDPOINT, httpEndpoint: HTTP, httpModule: 'data:text/javascript,export default 1 +' }, // broken
        { endpoint: ENDPOINT, httpEndpoint: HTTP }, // an ES module (no script URL) without httpModule
      ]) {
        const b = make({ dataset, path: '/posts/a/' });
        b.tick(5000); // blocked: the views are handed over, and come back
        await settle();
        b.socket.drop();
        b.tick(1000);
        b.socket.open();
        assert.deepEqual(b.views.map((v) => v.currentPage), ['/posts/a/'], JSON.stringify(dataset));
      }
    });

    test('over HTTP too, a view carries the path and its utm tags only; the counts are asked for by path', async () => {
      const b = blocked({ path: '/posts/a/?token=s3cr3t&utm_source=newsletter&fbclid=x&utm_campaign=launch' });
      b.tick(5000);
      await settle();
      const [call] = globalThis.httpCalls;
      assert.deepEqual(plain(call.views.map((v) => v.currentPage)), ['/posts/a/?utm_source=newsletter&utm_campaign=launch']);
      assert.deepEqual(plain(call.request), { articleIds: [], paths: ['/posts/a/'] });
      assert.doesNotMatch(JSON.stringify(call.views), /s3cr3t|fbclid|token/);
    });

    test('without httpEndpoint nothing is sent over HTTP', async () => {
      globalThis.httpCalls = [];
      const b = make({ dataset: { endpoint: ENDPOINT, httpModule: RECORDING_HTTP_MODULE } });
      b.socket.drop();
      b.tick(10000);
      await settle();
      assert.equal(globalThis.httpCalls.length, 0);
    });
  });
}
