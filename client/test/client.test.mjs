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

const variants = {
  source: readFileSync(new URL('../viewcount.js', import.meta.url), 'utf8'),
  minified: (await buildCode()).classic,
};

// A fake element: id, class, data- attributes, text and inline style.
function element({ id = '', cls = null, attrs = {}, text = '', display = '' } = {}) {
  return {
    id,
    textContent: text,
    style: { display },
    getAttribute: (name) => (name === 'class' ? cls : (attrs[name] ?? null)),
  };
}

function browser({
  code = variants.source,
  path = '/posts/hello',
  title = 'Hello',
  referrer = '',
  dataset = { endpoint: ENDPOINT },
  metas = {},
  elements = [],
  navigationType = 'navigate',
  navigator = {},
  storage = {},
  readyState = 'complete',
  prerendering = false,
  visibilityState = 'visible',
  constructorThrows = false,
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

  const location = { pathname: path, origin: ORIGIN };
  const document = {
    readyState,
    prerendering,
    visibilityState,
    title,
    referrer,
    currentScript: dataset && { dataset },
    querySelectorAll: () => elements,
    querySelector: (selector) => {
      const name = /viewcount:([\w-]+)/.exec(selector)?.[1];
      return name && metas[name] != null ? { content: metas[name] } : null;
    },
    addEventListener: on('document'),
  };
  const history = {
    pushState(state, unused, url) {
      location.pathname = new URL(url, ORIGIN + location.pathname).pathname;
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
  vm.runInContext(code, context);

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
        { message: 'views', articleId: 'abc', articleTitle: 'Hello', currentPage: '/posts/hello', refreshed: false, referrer: 'https://news.ycombinator.com/' },
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

    test('fallbacks: id from the path, title from document.title, previousPage from a same-origin referrer', () => {
      const b = make({ path: '/posts/my-post/index.html', title: 'My post', referrer: `${ORIGIN}/archive/` });
      b.socket.open();
      assert.deepEqual(b.views, [
        { message: 'views', articleId: 'my-post', articleTitle: 'My post', previousPage: '/archive/', currentPage: '/posts/my-post/index.html', refreshed: false },
      ]);
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
      const b2 = make({ path: '/posts/caf%C3%A9' });
      b2.socket.open();
      assert.equal('articleId' in b2.views[0], false);
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

  describe(`${variant}: display`, () => {
    const push = { message: 'views', articleId: 'hello', totalViews: 12, uniqueViews: 9, readingNow: 2, site: { totalViews: 1234, uniqueViews: 800 } };

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
      assert.equal(els.pageBox.style.display, '');
      assert.equal(els.siteBox.style.display, '');
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
        { message: 'views', articleTitle: 'Hello', currentPage: '/', refreshed: false },
        { message: 'counts', articleIds: ['post-a', 'post-c'] },
      ]);
      b.socket.push({ message: 'counts', counts: { 'post-a': { totalViews: 5, uniqueViews: 4 } } });
      assert.equal(a.textContent, '5');
      assert.equal(a2.textContent, '4');
      assert.equal(c.textContent, '?'); // not in the answer: untouched
      assert.equal(total.textContent, DASH); // counts answers never fill the current page when counting
      assert.equal(b.views.length, 1);
    });

    test('at most 100 ids per request', () => {
      const els = Array.from({ length: 130 }, (_, i) => element({ attrs: { 'data-viewcount-article': `p${i}` } }));
      const b = make({ path: '/', elements: els });
      b.socket.open();
      const counts = b.socket.sent.find((m) => m.message === 'counts');
      assert.equal(counts.articleIds.length, 100);
    });
  });

  describe(`${variant}: resilience`, () => {
    test('reconnects with backoff after a drop and never resends the view', () => {
      const b = make({ elements: [element({ attrs: { 'data-viewcount-article': 'other' } })] });
      b.socket.open();
      assert.equal(b.views.length, 1);
      b.socket.drop();
      assert.equal(b.sockets.length, 1);
      b.tick(1000); // first retry lands within base (1 s)
      assert.equal(b.sockets.length, 2);
      b.socket.open();
      assert.deepEqual(b.socket.sent, [{ message: 'counts', articleIds: ['other'] }]);
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
      b.socket.drop();
      b.navigate('/posts/b');
      b.tick(100);
      // the navigation connected right away (no need to wait for the retry)
      b.socket.open();
      b.tick(60000); // the pending retry finds a live socket and does nothing
      assert.equal(b.sockets.length, 2);
      assert.deepEqual(b.views.map((v) => v.currentPage), ['/posts/a', '/posts/b']);
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
      assert.deepEqual(b.views[1], { message: 'views', articleId: 'second', articleTitle: 'Second', previousPage: '/', currentPage: '/posts/second/', refreshed: false });
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
      assert.deepEqual(b.views.map((v) => [v.articleId, v.previousPage]), [['landing', undefined], ['b', '/posts/a'], ['a', '/posts/b']]);
    });

    test('data-spa="false" leaves history alone; track() counts manually', () => {
      const b = make({ path: '/posts/a', dataset: { endpoint: ENDPOINT, spa: 'false' } });
      b.socket.open();
      b.navigate('/posts/b');
      b.tick(1000);
      assert.equal(b.views.length, 1);
      b.context.viewcount.track({ articleId: 'manual', articleTitle: '  Manual  ' });
      assert.deepEqual(b.views[1], { message: 'views', articleId: 'manual', articleTitle: 'Manual', previousPage: '/posts/a', currentPage: '/posts/b', refreshed: false });
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
      assert.equal(b.views.length, 1);
    });
  });

  describe(`${variant}: privacy`, () => {
    test('localStorage.viewcount_ignore = "1": no view, counts for the current article fill the page', () => {
      const total = element({ attrs: { 'data-viewcount': 'total' } });
      const pv = element({ id: 'busuanzi_value_page_pv' });
      const reading = element({ attrs: { 'data-viewcount': 'reading' } });
      const b = make({ storage: { viewcount_ignore: '1' }, elements: [total, pv, reading] });
      b.socket.open();
      assert.deepEqual(b.socket.sent, [{ message: 'counts', articleIds: ['hello'] }]);
      b.socket.push({ message: 'counts', counts: { hello: { totalViews: 50, uniqueViews: 20 } } });
      assert.equal(total.textContent, '50');
      assert.equal(pv.textContent, '50');
      assert.equal(reading.textContent, DASH);
      assert.equal(b.views.length, 0);
    });

    test('ignored on a non-post page: nothing sent at all', () => {
      const b = make({ path: '/', storage: { viewcount_ignore: '1' } });
      b.socket.open();
      assert.deepEqual(b.sent, []);
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
