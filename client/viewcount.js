/*! viewcount */
// Classic script: registers window.viewcount and, loaded from <script src data-endpoint="wss://...">,
// starts itself from that tag. ES module users import ./viewcount.mjs, which evaluates this file and
// re-exports window.viewcount. Under Node/CommonJS this file is also module.exports, and the pure helpers
// are viewcount._internal (both are dropped from the minified build).
(() => {
  'use strict';

  // ---- Wire contract and tuning -------------------------------------------------------------------
  const ID = /^[\w.~-]{1,128}$/; // article ids the server accepts: [A-Za-z0-9._~-], 1..128 chars
  const URL_MAX = 2048;
  const BASE = 1000; // reconnect backoff: full jitter over min(CAP, BASE * 2^attempt) ms
  const CAP = 30000;
  const HIDDEN_CLOSE = 30000; // close the socket once the page has been hidden this long (ms)
  const LABEL = 50; // characters (spaces aside) of a wrapper that holds only a counter: number and label
  const OPEN_WAIT = 5000; // a socket not open by then is taken as blocked: views go over HTTP (ms)
  const NAV_DELAY = 100; // give an SPA time to set its new title/meta before a navigation is counted
  const KINDS = { total: 'totalViews', unique: 'uniqueViews', reading: 'readingNow' };
  const SLOTS =
    '[data-viewcount],[data-viewcount-article],[data-viewcount-path],[id^=busuanzi_],[class*=busuanzi_],[id^=vercount_]';

  // ---- Pure helpers (no DOM access) ---------------------------------------------------------------

  // Trim, cut to `max` UTF-16 units without leaving half a surrogate pair;
  // undefined when nothing is left (so the field is omitted).
  const clip = (value, max) =>
    String(value ?? '').trim().slice(0, max).replace(/[\ud800-\udbff]$/, '') || undefined;

  // The id as a string if the server accepts it, else undefined.
  const validId = (value) => (value != null && ID.test(value) ? String(value) : undefined);

  // First truthy value: explicit options win over page metadata, which wins over URL/title fallbacks.
  const pick = (...values) => values.find(Boolean);

  // An option or meta value as a flag: absent -> undefined, "false" -> false, anything else
  // (data-article="" included) -> true.
  const flag = (value) => (value == null ? undefined : String(value) !== 'false');

  // Same-origin referrer -> { previousPage: path }; external -> { referrer: url }; none or invalid -> {}.
  const referrerParts = (referrer, origin) => {
    try {
      const url = new URL(referrer);
      return url.origin === origin ? { previousPage: url.pathname } : { referrer };
    } catch {
      return {};
    }
  };

  // Of a page's query (location.search), only the campaign tags the server reads: utm_source, utm_medium
  // and utm_campaign with a value, in their order and as written, as a query ('?utm_source=...&...'), or ''
  // when it has none. The rest (tokens, e-mail addresses, click ids) is never sent: the server keys a page
  // by its path. Pairs are split at '&' (and the leading '?'), as the server splits them.
  const campaign = (search) => search.replace(/(^.|&)(?!utm_(source|medium|campaign)=[^&])[^&]*/g, '').replace(/^&/, '?');

  // Navigation Timing 2 (every browser since 2021; without it a reload counts as a first view).
  const isReload = (perf) => perf?.getEntriesByType?.('navigation')[0]?.type === 'reload';

  // Global Privacy Control or Do Not Track.
  const privacySignal = (nav, win) =>
    nav.globalPrivacyControl === true || nav.doNotTrack === '1' || win.doNotTrack === '1';

  // The `views` message. Undefined fields are dropped by JSON.stringify, i.e. omitted on the wire.
  const buildView = (c) => {
    const ref = referrerParts(c.referrer, c.origin);
    return {
      message: 'views',
      viewId: c.viewId,
      articleId: validId(c.articleId),
      article: !!c.article,
      articleTitle: clip(c.articleTitle, 256),
      previousPage: clip(c.previousPage || ref.previousPage, URL_MAX),
      currentPage: clip(c.currentPage, URL_MAX),
      refreshed: !!c.refreshed,
      referrer: clip(ref.referrer, URL_MAX),
      gpc: c.gpc || undefined,
      webdriver: c.webdriver || undefined,
    };
  };

  // Valid, de-duplicated ids for one `counts` request: order kept, at most 100.
  const uniqueIds = (ids) => [...new Set(ids.map(validId).filter(Boolean))].slice(0, 100);

  // What an element shows, or null:
  //   data-viewcount-article="id" [data-viewcount-kind="unique"] -> { article, field } (index pages)
  //   data-viewcount-path="/path/" [data-viewcount-kind="unique"] -> { path, field }    (index pages)
  //   data-viewcount="total|unique|reading"                       -> { field }
  //   busuanzi_(value|container)_(page|site)_(pv|uv) as the id or one of the classes, and
  //   vercount's vercount_(value|container)_… the same way        -> { field, site, container }
  const slotOf = (el) => {
    const article = el.getAttribute('data-viewcount-article');
    const path = el.getAttribute('data-viewcount-path');
    const field = KINDS[el.getAttribute('data-viewcount')];
    const m = /\b(busuanzi|vercount)_(value|container)_(page|site)_(pv|uv)\b/.exec(el.id + ' ' + el.getAttribute('class'));
    return article || path
      ? { article, path, field: KINDS[el.getAttribute('data-viewcount-kind')] || KINDS.total }
      : field
        ? { field }
        : m && { field: m[4] === 'pv' ? KINDS.total : KINDS.unique, site: m[3] === 'site', container: m[2] === 'container' };
  };

  // A slot's text from numbers shaped like a push (site slots read .site); undefined when a number is missing.
  const slotText = (slot, data) => {
    const value = (slot.site ? data?.site : data)?.[slot.field];
    return typeof value === 'number' ? String(value) : undefined;
  };

  // Exponential backoff with full jitter: a delay in [0, min(CAP, BASE * 2^attempt)).
  const backoff = (attempt, random = Math.random) => Math.floor(random() * Math.min(CAP, BASE * 2 ** attempt));

  // Send queued messages over an OPEN socket. A message leaves the queue as ws.send is called,
  // so none is sent twice by this; `sent(message)` is told of each.
  const flush = (queue, ws, sent) => {
    while (queue.length && ws?.readyState === 1) {
      const message = queue.shift();
      ws.send(JSON.stringify(message));
      sent?.(message);
    }
  };

  // The options of a <script> tag: its URL's query (`viewcount.min.js?endpoint=wss://…`, for a theme
  // whose only setting is the script's URL), overridden by its data- attributes.
  const scriptOptions = (script) => ({
    ...Object.fromEntries(new URL(script.src || 'x:').searchParams),
    ...script.dataset,
  });

  // Filters: return the reason to hold back, or '' when nothing is in the way.
  const startBlocker = (options) => (options.endpoint ? '' : 'no endpoint');
  const viewBlocker = (getStorage) => {
    try {
      return getStorage().viewcount_ignore === '1' ? 'viewcount_ignore set' : '';
    } catch {
      return ''; // storage blocked (privacy settings, sandboxed iframe): count as usual
    }
  };

  // ---- Browser state ------------------------------------------------------------------------------
  let cfg; // start() options, once started
  let debug = false;
  let ws; // the current socket (connecting or open)
  let paused = false; // socket closed because the page stayed hidden
  let attempt = 0; // reconnect attempts since the last successful open
  let hiddenTimer;
  let ignored = ''; // viewBlocker's reason, read once at start
  let viaHttp = ''; // 1 when no socket would open: views go by beacon, counts are read over HTTP
  let swapping; // a pjax navigation is loading its content
  let current; // article id of the page last viewed, when it named one
  let lastPath; // path of the page last viewed (set by the first view)
  let indexIds = []; // ids of the [data-viewcount-article] elements
  let indexPaths = []; // paths of the [data-viewcount-path] elements
  let listeners = [];
  const queue = []; // views waiting for an open socket
  let unanswered; // the view last sent on the open socket, until its push (or an error) comes back
  let resent; // the view last queued again after its socket dropped: never sent a third time
  const doc = globalThis.document; // undefined under Node
  const ownSrc = doc?.currentScript?.src; // undefined when evaluated as an ES module

  const warn = (...args) => debug && console.warn('[viewcount]', ...args);

  // Never throw into the page.
  const guard = (fn) => (...args) => {
    try {
      return fn(...args);
    } catch (e) {
      warn(e);
    }
  };

  const meta = (name) => doc.querySelector(`meta[name="viewcount:${name}"]`)?.content;
  // Most themes mark an article with Open Graph's <meta property="og:type" content="article">.
  const ogArticle = () => doc.querySelector('meta[property="og:type"]')?.content === 'article';

  // Undo what hides an element, as busuanzi does for its containers (display inline), whether an
  // inline style, a stylesheet rule or the `hidden` attribute hides it.
  const show = (el) => {
    el.hidden = false;
    if (getComputedStyle(el).display === 'none') el.style.display = 'inline';
  };

  // For every slot, textOf(slot, el) gives its new text (falsy: leave it). A container with text is
  // shown instead. Some themes have no containers: they wrap a value in an element of their own, hidden
  // by their stylesheet until busuanzi's script has run (Keep: `.count-item.uv { display: none }` around
  // #busuanzi_value_site_uv). So the filled value's hidden ancestors are shown too, up to the first that
  // holds more than a counter: another slot, a link or an image, or more text than a label (spaces aside).
  // What a theme hides for other reasons (a menu, a sidebar on small screens) holds more than that.
  const paint = (textOf) =>
    doc.querySelectorAll(SLOTS).forEach((el) => {
      const slot = slotOf(el);
      const text = slot && textOf(slot, el);
      if (!text) return;
      if (slot.container) show(el);
      else el.textContent = text;
      for (
        let up = el.parentElement;
        text >= 0 && up?.querySelectorAll(SLOTS).length < 2 && !up.querySelector('a,img') && up.textContent.replace(/\s/g, '').length < LABEL;
        up = up.parentElement
      )
        show(up);
    });

  // Collect index ids; give empty number slots a neutral placeholder, never a wrong number.
  const scan = () => {
    indexIds = [];
    indexPaths = [];
    paint((slot, el) => {
      if (slot.article) indexIds.push(slot.article);
      if (slot.path) indexPaths.push(slot.path);
      return !slot.container && !el.textContent.trim() && '\u2013';
    });
  };

  // The counts to ask for: index elements, plus the current page when it is not counted over the
  // socket (by its id, else by its path). At most 100 ids and paths in all.
  const countsRequest = () => {
    const own = ignored || viaHttp;
    const articleIds = uniqueIds([own && current, ...indexIds]);
    const paths = [...new Set([own && !current && lastPath, ...indexPaths].filter((p) => p && p.length <= URL_MAX))];
    return { articleIds, paths: paths.slice(0, 100 - articleIds.length) };
  };

  // One `counts` request per open socket.
  const sendCounts = () => {
    const request = countsRequest();
    if (request.articleIds.length + request.paths.length) flush([{ message: 'counts', ...request }], ws);
  };

  const receive = (data) => {
    // The server pushes a connection only the counts of the page it last viewed: accept every push.
    if (data.message === 'views') paint((slot) => !slot.article && !slot.path && slotText(slot, data));
    if (data.message === 'counts') {
      // Index elements; when not counted over the socket, the current page's slots too (that is why we
      // asked for it), and the site's where the answer has them.
      const counts = data.counts || {};
      const paths = data.paths || {};
      const own = (ignored || viaHttp) && { ...(current ? counts[current] : paths[lastPath]), site: data.site };
      paint((slot) => slotText(slot, slot.article ? counts[slot.article] : slot.path ? paths[slot.path] : own));
    } else unanswered = 0; // a push or an error frame: the view was counted, or refused
    if (data.message === 'error') warn(data.error);
    listeners.forEach((fn) => fn(data));
  };

  // No socket opens (a proxy or an extension blocks WebSockets): send the waiting views over HTTP with
  // viewcount-http.min.mjs, loaded only now, from next to this script (or from `httpModule`).
  // If it cannot be loaded (not deployed beside the script; an ES module user gave no httpModule), the
  // views go back to wait for a socket.
  const sendByHttp = () => {
    const views = cfg.httpEndpoint ? queue.splice(0) : [];
    if (!views.length) return;
    viaHttp = 1;
    import(cfg.httpModule || (ownSrc && new URL('viewcount-http.min.mjs', ownSrc))).then(
      (http) => http.default(cfg, views, countsRequest, guard(receive), warn),
      (error) => warn(error, queue.unshift(...views)),
    );
  };

  const sent = (view) => (unanswered = view);

  const connect = guard(() => {
    if (ws || paused) return; // a pending retry finds ws set (or paused) and does nothing
    const socket = (ws = new WebSocket(cfg.endpoint)); // throws only for a malformed endpoint
    let opened;
    // Blocked: closed before it opened, or still connecting (a proxy that holds the request).
    setTimeout(() => opened || sendByHttp(), OPEN_WAIT);
    socket.onopen = () => {
      opened = 1;
      attempt = 0;
      viaHttp = '';
      flush(queue, socket, sent);
      sendCounts();
    };
    socket.onmessage = guard((event) => receive(JSON.parse(event.data)));
    socket.onclose = () => {
      if (ws !== socket) return; // a socket we dropped on purpose (page hidden)
      ws = undefined;
      // A view sent but not answered may not have been counted: send it once more (the server drops
      // it if it was, by its viewId).
      if (unanswered && unanswered !== resent) queue.unshift((resent = unanswered));
      unanswered = 0;
      setTimeout(connect, backoff(attempt++));
    };
  });

  // Count a view of the current location: the page load (first; `options` are start()'s) or an SPA
  // navigation / track() (`options` are track()'s, or none).
  const view = (options, first) => {
    const path = location.pathname;
    scan();
    // No id is made up from the path: the server keys an article without one by its path.
    const articleId = pick(options.articleId, meta('article-id'));
    const msg = buildView({
      // So that the server drops the view if it comes once more. Only secure contexts (https) have
      // randomUUID: on a plain-http page a view has no id, and a resend of it can count twice.
      viewId: crypto.randomUUID?.(),
      articleId,
      // `??`, not pick(): an empty data-article and track({ article: false }) are answers too.
      article: !!articleId || (flag(options.article ?? meta('article')) ?? ogArticle()),
      articleTitle: pick(options.articleTitle, meta('article-title'), doc.title),
      currentPage: path + campaign(location.search),
      previousPage: lastPath, // undefined at the page load: then the referrer's path, if same-origin
      referrer: first && doc.referrer,
      origin: location.origin,
      refreshed: first && isReload(window.performance),
      gpc: privacySignal(navigator, window),
      webdriver: navigator.webdriver === true,
    });
    lastPath = path;
    current = msg.articleId;
    if (ignored) warn(ignored);
    else queue.push(msg);
    if (ws?.readyState === 1) {
      flush(queue, ws, sent);
      sendCounts();
    } else if (viaHttp) sendByHttp();
    else connect();
  };

  const onVisibility = () => {
    clearTimeout(hiddenTimer);
    if (doc.visibilityState === 'hidden') {
      hiddenTimer = setTimeout(() => {
        paused = true;
        // ws.close is looked up before its argument clears ws: the old socket's onclose finds it dropped.
        ws?.close((ws = undefined));
      }, HIDDEN_CLOSE);
    } else if (paused) {
      // Reconnect without counting again. The server learns a connection's page only from a view, so
      // live pushes resume with the next view; index counts are requested again on open.
      paused = false;
      attempt = 0;
      connect();
    }
  };

  const onNavigate = () =>
    setTimeout(guard(() => !swapping && location.pathname !== lastPath && view({})), NAV_DELAY);

  const init = () => {
    if (String(cfg.spa) !== 'false') {
      const pushState = history.pushState;
      history.pushState = function () {
        const result = pushState.apply(this, arguments);
        onNavigate();
        return result;
      };
      addEventListener('popstate', onNavigate);
      // pjax (NexT, Butterfly) swaps the content in, then pushes the new URL; but on Back it loads the
      // content after the popstate: count the page once its content (title, og:type, slots) is in.
      doc.addEventListener('pjax:send', () => (swapping = 1));
      doc.addEventListener('pjax:complete', () => onNavigate((swapping = 0)));
    }
    doc.addEventListener('visibilitychange', onVisibility);
    view(cfg, true);
    onVisibility();
  };

  // Wait for the DOM (meta tags, slots) and, for a speculative prerender, until the page is shown.
  const whenReady = (fn) =>
    doc.prerendering
      ? doc.addEventListener('prerenderingchange', () => whenReady(fn))
      : doc.readyState === 'loading'
        ? doc.addEventListener('DOMContentLoaded', fn)
        : fn();

  const start = (options = {}) => {
    if (cfg) return;
    debug = flag(options.debug); // data-debug="" or debug: true
    const reason = startBlocker(options);
    if (reason) return warn(reason);
    cfg = options;
    ignored = viewBlocker(() => localStorage);
    whenReady(guard(init));
  };

  const api = {
    start: guard(start),
    track: guard((options) => (lastPath == null ? warn('not started') : view(options || {}))),
    on: guard((fn) => {
      listeners.push(fn);
      return () => (listeners = listeners.filter((other) => other !== fn));
    }),
  };

  // Register once (a classic tag and the module entry may both evaluate this file), then auto-start
  // from our own <script> tag; doc.currentScript is null when evaluated as an ES module.
  // (`.on` check: an element with id="viewcount" also shows up as window.viewcount.)
  if (!globalThis.viewcount?.on) {
    globalThis.viewcount = api;
    const script = doc?.currentScript;
    const options = script && guard(scriptOptions)(script);
    if (options?.endpoint) api.start(options);
  }

  // Not in the minified build (see build.mjs): the pure helpers for tests, and CommonJS.
  if (typeof VIEWCOUNT_MINIFIED === 'undefined') {
    api._internal = {
      clip, validId, pick, flag, referrerParts, campaign, isReload, privacySignal, buildView, uniqueIds,
      slotOf, slotText, backoff, flush, scriptOptions, startBlocker, viewBlocker,
    };
    if (typeof module === 'object' && module?.exports) module.exports = globalThis.viewcount;
  }
})();
