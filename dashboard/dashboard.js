// The blogger's dashboard: signs in, reads /dashboard/stats for a range and draws it, then
// keeps today's numbers live over the WebSocket. The logic that needs no DOM is in logic.mjs.
//
// build.mjs removes the import below and puts logic.mjs in front of this file: keep it one
// `import { ... } from './logic.mjs';` statement.
import {
  TOP, applyLive, backoffDelay, botLabel, campaignKey, campaignLabel, changeText, chartData, dayLabel, emptyLive,
  errorParts, errorText, formatNumber, isDay, keyFromInput, networkText, normalizeStats, pageLabel, rangeFor,
  rangeLabel, referrerKey, shareToken, sourceLabel, statsQuery, withReading, wsUrl,
} from './logic.mjs';

const KEY_ITEM = 'viewcount.dashboard.key';
const SHARE_ITEM = 'viewcount.dashboard.share';
const SITE_ITEM = 'viewcount.dashboard.site';
// API Gateway closes a connection idle for 10 minutes; a watch every 5 keeps it.
const WATCH_EVERY_MS = 5 * 60 * 1000;
const ANSWER_WITHIN_MS = 15 * 1000;

const $ = (selector, root = document) => root.querySelector(selector);

const state = {
  config: null,
  key: null,
  share: false,
  role: null,
  sites: [],
  site: null,
  range: '30d',
  custom: {},
  filter: { page: null, pageText: '', source: null },
  stats: null,
  live: emptyLive(),
  statsSeq: 0,
  statsAbort: null,
  retry: null,
  drawn: false,
};

const live = { site: null, generation: 0, socket: null, watchTimer: 0, reconnectTimer: 0, attempt: 0, watching: false, watchNow: null };
let chart = null;

// Storage can throw (disabled, private mode, full): the dashboard then works for this tab only.
const store = {
  get(area, item) {
    try {
      return window[area].getItem(item);
    } catch {
      return null;
    }
  },
  set(area, item, value) {
    try {
      window[area].setItem(item, value);
    } catch {
      /* kept in memory only */
    }
  },
  remove(area, item) {
    try {
      window[area].removeItem(item);
    } catch {
      /* nothing stored */
    }
  },
};

function forgetKey() {
  for (const area of ['localStorage', 'sessionStorage']) {
    store.remove(area, KEY_ITEM);
    store.remove(area, SHARE_ITEM);
  }
  state.key = null;
  state.share = false;
}

// A share link's token wins over a stored owner key, for this tab only.
function savedKey() {
  const share = store.get('sessionStorage', SHARE_ITEM);
  if (share) return { key: share, share: true };
  const key = store.get('sessionStorage', KEY_ITEM) || store.get('localStorage', KEY_ITEM);
  return key ? { key, share: key.startsWith('s.') } : null;
}

// The token leaves the address bar (and so the history and any screenshot) at once.
function takeShareFragment() {
  const token = shareToken(location.hash);
  if (!token) return false;
  history.replaceState(history.state, '', location.pathname + location.search);
  store.set('sessionStorage', SHARE_ITEM, token);
  return true;
}

function setStatus(text, kind = 'info', retry = null) {
  const status = $('#status');
  status.textContent = text;
  status.dataset.kind = kind;
  state.retry = retry;
  $('#retry').hidden = !retry;
}

async function loadConfig() {
  let res;
  try {
    res = await fetch('config.json', { cache: 'no-store' });
  } catch {
    throw new Error('Could not load config.json beside this page.');
  }
  let config = null;
  try {
    config = res.ok ? await res.json() : null;
  } catch {
    config = null;
  }
  const http = typeof config?.httpEndpoint === 'string' ? config.httpEndpoint.trim().replace(/\/+$/, '') : '';
  if (!http) throw new Error('config.json beside this page is missing or has no httpEndpoint.');
  const ws = typeof config.wsEndpoint === 'string' ? config.wsEndpoint.trim() : '';
  return { httpEndpoint: http, wsEndpoint: ws };
}

// Resolves to {ok, status, data} or {ok: false, status, code, text} with a sentence for a person
// (status 0: the API could not be reached). Rejects only when aborted.
async function api(path, { method = 'GET', body, signal, key = state.key, share = state.share } = {}) {
  const endpoint = state.config.httpEndpoint;
  const headers = { authorization: `Bearer ${key}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res;
  try {
    res = await fetch(endpoint + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
      cache: 'no-store',
      credentials: 'omit',
      referrerPolicy: 'no-referrer',
    });
  } catch (err) {
    if (err?.name === 'AbortError') throw err;
    return { ok: false, status: 0, code: null, text: networkText(endpoint) };
  }
  let data = null;
  try {
    data = await res.json();
  } catch (err) {
    if (err?.name === 'AbortError') throw err;
  }
  if (res.ok && data && typeof data === 'object') return { ok: true, status: res.status, data };
  if (res.ok) return { ok: false, status: res.status, code: null, text: 'The stats API sent an answer this page cannot read.' };
  const { code, detail } = errorParts(data);
  return { ok: false, status: res.status, code, text: errorText(res.status, code, detail, { share }) };
}

function showSignin(message = '') {
  stopLive();
  state.stats = null;
  $('#stats-view').hidden = true;
  $('#controls').hidden = true;
  $('#signin-view').hidden = false;
  $('#signin-error').textContent = message;
  setStatus('');
  const input = $('#signin input[name=key]');
  input.value = '';
  input.focus();
}

// Asks /dashboard/sites with a key; on success the key is kept where the person chose.
async function signIn(key, { share, remember = null, fromForm = false }) {
  const button = $('#signin button[type=submit]');
  button.disabled = true;
  if (!fromForm) setStatus('Loading…');
  let res;
  try {
    res = await api('/dashboard/sites', { key, share });
  } finally {
    button.disabled = false;
  }
  if (!res.ok) {
    if (res.status === 401 || res.status === 403 || fromForm) {
      if (res.status === 401 || res.status === 403) forgetKey();
      if (fromForm) {
        $('#signin-error').textContent = res.text;
        $('#signin input[name=key]').focus();
        return;
      }
      showSignin(res.text);
      return;
    }
    // The key may be fine: keep it and offer to try again.
    setStatus(res.text, 'error', () => signIn(key, { share }));
    return;
  }
  if (remember !== null) {
    forgetKey();
    if (share) store.set('sessionStorage', SHARE_ITEM, key);
    else store.set(remember ? 'localStorage' : 'sessionStorage', KEY_ITEM, key);
  }
  state.key = key;
  state.share = share;
  state.role = res.data.role === 'share' ? 'share' : 'owner';
  state.sites = (Array.isArray(res.data.sites) ? res.data.sites : []).filter((s) => s && typeof s.id === 'string');
  if (state.sites.length === 0) {
    $('#signin-view').hidden = true;
    setStatus('This key sees no sites yet.', 'info');
    return;
  }
  const remembered = store.get('sessionStorage', SITE_ITEM);
  state.site = state.sites.some((s) => s.id === remembered) ? remembered : state.sites[0].id;
  $('#signin-view').hidden = true;
  $('#controls').hidden = false;
  $('#signout').textContent = state.share ? 'Forget this link' : 'Sign out';
  fillSitePicker();
  await loadStats();
}

const currentSite = () => state.sites.find((s) => s.id === state.site);

function fillSitePicker() {
  const picker = $('#site-picker');
  picker.replaceChildren(
    ...state.sites.map((s) => {
      const option = document.createElement('option');
      option.value = s.id;
      option.textContent = s.id;
      return option;
    }),
  );
  picker.value = state.site;
  const one = state.sites.length < 2;
  picker.hidden = one;
  $('#site-field').hidden = one;
}

function filterParams() {
  return { page: state.filter.page, source: state.filter.source };
}

async function loadStats() {
  const site = currentSite();
  if (!site) return;
  const range = rangeFor(state.range, site.today, state.custom);
  syncDateInputs(site, range);
  if (range.error) {
    setStatus(range.error, 'error');
    return;
  }
  state.statsAbort?.abort();
  const abort = new AbortController();
  state.statsAbort = abort;
  const seq = ++state.statsSeq;
  document.body.dataset.loading = '1';
  if (!state.stats) setStatus('Loading…');
  let res;
  try {
    const query = statsQuery({ site: site.id, from: range.from, to: range.to, ...filterParams(), top: TOP });
    res = await api(`/dashboard/stats?${query}`, { signal: abort.signal });
  } catch {
    return; // aborted: a newer request is on its way
  } finally {
    if (seq === state.statsSeq) delete document.body.dataset.loading;
  }
  if (seq !== state.statsSeq) return;
  if (!res.ok) {
    if (res.status === 401) {
      forgetKey();
      showSignin(res.text);
      return;
    }
    setStatus(res.text, 'error', res.status === 0 || res.status >= 429 ? loadStats : null);
    return;
  }
  const stats = normalizeStats(res.data, range);
  stats.site ??= site.id;
  // The site's day moved on since /dashboard/sites: ranges ending today must move with it.
  if (stats.today && stats.today > site.today) {
    site.today = stats.today;
    if (state.range !== 'custom') {
      loadStats();
      return;
    }
  }
  // The stats already hold every view so far: growth of pages is measured afresh from here.
  state.live = { ...state.live, seen: {} };
  state.stats = withReading(stats, state.live);
  draw();
  ensureLive();
}

function syncDateInputs(site, range) {
  const from = $('#from');
  const to = $('#to');
  for (const input of [from, to]) input.max = site.today;
  if (state.range !== 'custom' && !range.error) {
    from.value = range.from;
    to.value = range.to;
  }
  $('#custom').hidden = state.range !== 'custom';
}

// ----- drawing

function draw() {
  const { stats } = state;
  $('#stats-view').hidden = false;
  $('#site-title').textContent = stats.site ?? state.site;
  const zone = stats.timeZone || currentSite()?.timeZone || 'UTC';
  $('#range-text').textContent = `${rangeLabel(stats.from, stats.to)} · days in ${zone}${state.share ? ' · shared view' : ''}`;
  drawFilter();
  drawTotals();
  drawChart();
  drawTable();
  drawLists();
  drawBots();
  drawLive();
  if (stats.totals.views === 0) {
    setStatus(stats.page || stats.source ? 'No views in this range yet for this filter.' : 'No views in this range yet.', 'empty');
  } else {
    setStatus('');
  }
  if (!state.drawn) {
    state.drawn = true;
    document.body.dataset.ready = '1';
  }
}

function drawFilter() {
  const { page, source } = state.stats;
  const parts = [];
  if (page || state.filter.page) parts.push(`Page: ${page ? pageLabel(page) : state.filter.pageText}`);
  if (source) parts.push(sourceLabel(source));
  $('#filter').hidden = parts.length === 0;
  $('#filter-text').textContent = parts.join(' · ');
  $('#source-note').hidden = !source;
}

function drawTotals() {
  const { totals, previous } = state.stats;
  const prev = previous.totals;
  const vs = previous.from && previous.to ? `vs ${rangeLabel(previous.from, previous.to)}` : '';
  const rows = [
    ['views', totals.views, prev?.views],
    ['visitors', totals.visitorDays, prev?.visitorDays],
    ['bots', totals.botViews, prev?.botViews],
  ];
  for (const [name, value, before] of rows) {
    $(`[data-total=${name}]`).textContent = formatNumber(value);
    const change = $(`[data-change=${name}]`);
    const text = value === null ? '' : changeText(value, before);
    change.textContent = text;
    change.dataset.trend = text.startsWith('+') || text === 'new' ? 'up' : text.startsWith('-') ? 'down' : 'flat';
    const vsText = change.parentElement.querySelector('.vs');
    vsText.textContent = text ? vs : value === null ? 'not kept per source' : '';
  }
}

const COLORS = { views: '#2456c9', viewsFill: 'rgba(36, 86, 201, 0.09)', visitors: '#0d7c70', axis: '#5b6472', grid: '#edf0f4' };
// Whole numbers only on the count axis: half a view means nothing.
const COUNT_INCRS = [1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1e3, 2e3, 2500, 5e3, 1e4, 2e4, 25e3, 5e4, 1e5, 2e5, 5e5, 1e6, 2e6, 5e6, 1e7];

const DAY_S = 86400;
// Tick steps in whole days; uPlot treats 30 days as its month and 365 as its year.
const DAY_INCRS = [1, 2, 3, 7, 14, 30, 60, 90, 180, 365].map((n) => n * DAY_S);
const tickDay = new Intl.DateTimeFormat(undefined, { timeZone: 'UTC', day: 'numeric', month: 'short' });
const tickMonth = new Intl.DateTimeFormat(undefined, { timeZone: 'UTC', month: 'short' });
const tickYear = new Intl.DateTimeFormat(undefined, { timeZone: 'UTC', month: 'short', year: 'numeric' });

function tickLabels(u, splits, axisIdx, space, incr) {
  return splits.map((ts, i) => {
    const date = new Date(ts * 1000);
    if (incr < 30 * DAY_S) return tickDay.format(date);
    return i === 0 || date.getUTCMonth() === 0 ? tickYear.format(date) : tickMonth.format(date);
  });
}

function chartOptions(width, withVisitors, points) {
  // Away from the chart, the legend shows the last day rather than empty labels.
  const at = (u, v, si) => v ?? u.data[si].at(-1);
  const valueText = (u, v, si) => formatNumber(at(u, v, si));
  const series = [
    {
      label: 'Day',
      value: (u, ts, si) => {
        const day = at(u, ts, si);
        return day == null ? '' : dayLabel(new Date(day * 1000).toISOString().slice(0, 10));
      },
    },
    { label: 'Views', stroke: COLORS.views, fill: COLORS.viewsFill, width: 2, value: valueText, points: { show: points, size: 8 } },
  ];
  if (withVisitors) {
    series.push({ label: 'Visitor-days', stroke: COLORS.visitors, width: 2, dash: [6, 4], value: valueText, points: { show: points, size: 8 } });
  }
  const axis = { stroke: COLORS.axis, grid: { stroke: COLORS.grid, width: 1 }, ticks: { stroke: COLORS.grid, width: 1 }, font: '12px system-ui, sans-serif' };
  return {
    width,
    height: width < 520 ? 200 : 260,
    // Days are the site's calendar days, stored as UTC midnights: show them in UTC.
    tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
    scales: {
      // From the data itself: for a single point uPlot would span 1,000 days of seconds.
      x: {
        time: true,
        range: (u) => {
          const xs = u.data[0];
          const first = xs[0];
          const last = xs[xs.length - 1];
          return first === last ? [first - DAY_S / 2, last + DAY_S / 2] : [first, last];
        },
      },
      y: { range: (u, min, max) => [0, Math.max(4, Math.ceil(max * 1.12))] },
    },
    series,
    axes: [
      { ...axis, incrs: DAY_INCRS, values: tickLabels, space: 56 },
      { ...axis, size: 56, incrs: COUNT_INCRS, values: (u, splits) => splits.map(formatNumber) },
    ],
    cursor: { drag: { x: false, y: false } },
    legend: { live: true },
  };
}

function chartWidth() {
  return Math.max(240, Math.floor($('#chart').clientWidth));
}

function drawChart() {
  const box = $('#chart');
  if (typeof uPlot !== 'function') {
    box.textContent = 'The chart could not load; the table of days is below.';
    $('#chart-table-box').classList.remove('visually-hidden');
    return;
  }
  chart?.destroy();
  box.replaceChildren();
  const { days, source } = state.stats;
  const data = chartData(days);
  if (source) data.pop();
  chart = new uPlot(chartOptions(chartWidth(), !source, days.length < 3), data, box);
}

function updateChart() {
  if (!chart) return;
  const data = chartData(state.stats.days);
  if (state.stats.source) data.pop();
  chart.setData(data);
}

function tableRow(day) {
  const tr = document.createElement('tr');
  tr.dataset.day = day.day;
  const th = document.createElement('th');
  th.scope = 'row';
  th.textContent = dayLabel(day.day);
  const views = document.createElement('td');
  views.className = 'views';
  views.textContent = formatNumber(day.views);
  const visitors = document.createElement('td');
  visitors.className = 'visitors';
  visitors.textContent = day.visitorDays === null ? '–' : formatNumber(day.visitorDays);
  tr.append(th, views, visitors);
  return tr;
}

function drawTable() {
  $('#chart-table tbody').replaceChildren(...state.stats.days.map(tableRow));
}

function updateTableDay(dayText) {
  const day = state.stats.days.find((d) => d.day === dayText);
  const row = $(`#chart-table tr[data-day="${dayText}"]`);
  if (day && row) row.replaceWith(tableRow(day));
}

// One ranked row: a button (reachable by keyboard) over a bar as long as its share of the top.
function listItem({ key, label, title, views, max, reading, current }) {
  const li = document.createElement('li');
  li.dataset.key = key;
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'row';
  if (title) button.title = title;
  if (current) button.setAttribute('aria-pressed', 'true');
  button.style.setProperty('--share', `${max > 0 ? Math.max(2, (views / max) * 100) : 0}%`);
  const labelEl = document.createElement('span');
  labelEl.className = 'label';
  labelEl.textContent = label;
  button.append(labelEl);
  if (reading !== undefined) {
    const readingEl = document.createElement('span');
    readingEl.className = 'reading';
    readingEl.title = 'reading now';
    readingEl.textContent = formatNumber(reading);
    readingEl.hidden = !(reading > 0);
    button.append(readingEl);
  }
  const viewsEl = document.createElement('span');
  viewsEl.className = 'views';
  viewsEl.textContent = formatNumber(views);
  button.append(viewsEl);
  li.append(button);
  return li;
}

// Replaces a list's rows, keeping keyboard focus on the row that had it.
function fillList(ol, items) {
  const focused = document.activeElement?.closest?.('li[data-key]');
  const focusKey = focused && ol.contains(focused) ? focused.dataset.key : null;
  ol.replaceChildren(...items.map(listItem));
  ol.nextElementSibling.hidden = items.length > 0;
  if (focusKey) [...ol.children].find((li) => li.dataset.key === focusKey)?.querySelector('button')?.focus();
}

function drawPages() {
  const { pages, page } = state.stats;
  const max = Math.max(0, ...pages.map((p) => p.views));
  const activeKey = page?.key ?? state.filter.page;
  fillList(
    $('#top-pages'),
    pages.map((p) => ({
      key: p.key,
      label: pageLabel(p),
      title: p.path || p.pageName || p.articleId || p.key,
      views: p.views,
      max,
      reading: p.reading ?? 0,
      current: p.key === activeKey,
    })),
  );
}

function drawLists() {
  drawPages();
  const { referrers, campaigns, source } = state.stats;
  const refMax = Math.max(0, ...referrers.map((r) => r.views));
  fillList(
    $('#referrers'),
    referrers.map((r) => ({ key: referrerKey(r), label: r.host, views: r.views, max: refMax, current: source === referrerKey(r) })),
  );
  const campMax = Math.max(0, ...campaigns.map((c) => c.views));
  fillList(
    $('#campaigns'),
    campaigns.map((c) => ({ key: campaignKey(c), label: campaignLabel(c), views: c.views, max: campMax, current: source === campaignKey(c) })),
  );
}

function drawBots() {
  const entries = Object.entries(state.stats.bots).sort((a, b) => b[1] - a[1]);
  const list = $('#bots ul');
  list.replaceChildren(
    ...entries.map(([reason, n]) => {
      const li = document.createElement('li');
      li.dataset.reason = reason;
      const label = document.createElement('span');
      label.className = 'label';
      label.textContent = botLabel(reason);
      const views = document.createElement('span');
      views.className = 'views';
      views.textContent = formatNumber(n);
      li.append(label, views);
      return li;
    }),
  );
  list.nextElementSibling.hidden = entries.length > 0;
}

function drawLive() {
  const { reading, todayViews, todayVisitors } = state.live;
  $('[data-live=reading]').textContent = formatNumber(reading);
  let views = todayViews;
  let visitors = todayVisitors;
  // Before the first frame, the stats may already hold today.
  const stats = state.stats;
  if (views === null && stats && !stats.page && !stats.source && stats.today) {
    const today = stats.days.find((d) => d.day === stats.today);
    if (today) {
      views = today.views;
      visitors = today.visitorDays;
    }
  }
  $('[data-live=today-views]').textContent = formatNumber(views);
  $('[data-live=today-visitors]').textContent = formatNumber(visitors);
  const stateEl = $('[data-live=state]');
  stateEl.textContent = live.watching ? 'live' : 'reconnecting…';
  stateEl.dataset.on = live.watching ? '1' : '0';
}

// ----- live

function ensureLive() {
  if (live.site === state.site && (live.socket || live.reconnectTimer)) return;
  stopLive();
  live.site = state.site;
  connectLive();
}

function stopLive() {
  live.generation++;
  clearInterval(live.watchTimer);
  clearTimeout(live.reconnectTimer);
  live.watchTimer = 0;
  live.reconnectTimer = 0;
  live.attempt = 0;
  live.watching = false;
  live.site = null;
  live.watchNow = null;
  if (live.socket) {
    live.socket.onclose = null;
    live.socket.onmessage = null;
    live.socket.close(1000);
    live.socket = null;
  }
  state.live = emptyLive();
}

function setWatching(on) {
  live.watching = on;
  if (state.stats) drawLive();
}

function scheduleReconnect(generation) {
  if (generation !== live.generation) return;
  setWatching(false);
  const delay = backoffDelay(live.attempt++);
  live.reconnectTimer = setTimeout(() => {
    live.reconnectTimer = 0;
    if (generation === live.generation) connectLive();
  }, delay);
}

// Each connection needs a fresh single-use ticket, so a reconnect starts here too.
async function connectLive() {
  const generation = ++live.generation;
  const site = live.site;
  const res = await api('/dashboard/tickets', { method: 'POST', body: { site } });
  if (generation !== live.generation) return;
  if (!res.ok) {
    if (res.status === 401) {
      forgetKey();
      showSignin(res.text);
      return;
    }
    scheduleReconnect(generation);
    return;
  }
  const endpoint = typeof res.data.wsEndpoint === 'string' && res.data.wsEndpoint ? res.data.wsEndpoint : state.config.wsEndpoint;
  if (typeof res.data.ticket !== 'string' || !endpoint) {
    scheduleReconnect(generation);
    return;
  }
  let socket;
  try {
    socket = new WebSocket(wsUrl(endpoint, res.data.ticket));
  } catch {
    scheduleReconnect(generation);
    return;
  }
  live.socket = socket;
  // A socket left half-open (a laptop's sleep, a changed network) takes a watch and never
  // answers: no frame within ANSWER_WITHIN_MS of one means it is dead, and it is replaced.
  let unanswered = 0;
  const watch = () => {
    if (socket.readyState !== WebSocket.OPEN) return;
    socket.send(JSON.stringify({ message: 'watch' }));
    clearTimeout(unanswered);
    unanswered = setTimeout(() => socket.close(), ANSWER_WITHIN_MS);
  };
  live.watchNow = watch;
  socket.onopen = () => {
    watch();
    live.watchTimer = setInterval(watch, WATCH_EVERY_MS);
  };
  socket.onmessage = (event) => {
    let frame;
    try {
      frame = JSON.parse(event.data);
    } catch {
      return;
    }
    clearTimeout(unanswered);
    if (frame?.message === 'live' && frame.site === site) onLive(frame);
  };
  socket.onclose = () => {
    clearTimeout(unanswered);
    if (generation !== live.generation) return;
    clearInterval(live.watchTimer);
    live.socket = null;
    scheduleReconnect(generation);
  };
}

function onLive(frame) {
  live.attempt = 0;
  live.watching = true;
  const result = applyLive(state.stats, state.live, frame);
  state.live = result.live;
  if (!state.stats) return;
  state.stats = result.stats;
  if (result.dayRolled && isDay(frame.day)) {
    const site = currentSite();
    if (site && frame.day > site.today) site.today = frame.day;
    if (state.range !== 'custom') {
      loadStats();
      drawLive();
      return;
    }
  }
  drawTotals();
  updateChart();
  updateTableDay(frame.day);
  drawPages();
  drawLive();
  if (state.stats.totals.views > 0 && $('#status').dataset.kind === 'empty') setStatus('');
}

// ----- events

function onListClick(event) {
  const li = event.target.closest('li[data-key]');
  if (!li || !state.stats) return;
  const list = li.parentElement.id;
  const key = li.dataset.key;
  if (list === 'top-pages') {
    if (state.filter.page === key) return;
    state.filter = { page: key, pageText: $('.label', li).textContent, source: null };
  } else {
    if (state.filter.source === key) return;
    state.filter = { ...state.filter, source: key };
  }
  loadStats();
}

function wire() {
  $('#signin').addEventListener('submit', (event) => {
    event.preventDefault();
    const form = event.currentTarget;
    const key = keyFromInput(form.elements.key.value);
    if (!key) {
      $('#signin-error').textContent = 'Paste your key first.';
      form.elements.key.focus();
      return;
    }
    $('#signin-error').textContent = '';
    signIn(key, { share: key.startsWith('s.'), remember: form.elements.remember.checked, fromForm: true });
  });
  $('#signout').addEventListener('click', () => {
    state.statsAbort?.abort();
    forgetKey();
    store.remove('sessionStorage', SITE_ITEM);
    state.filter = { page: null, pageText: '', source: null };
    showSignin('');
  });
  $('#retry').addEventListener('click', () => state.retry?.());
  $('#site-picker').addEventListener('change', (event) => {
    state.site = event.target.value;
    store.set('sessionStorage', SITE_ITEM, state.site);
    state.filter = { page: null, pageText: '', source: null };
    state.stats = null;
    stopLive();
    loadStats();
  });
  $('#range').addEventListener('change', (event) => {
    state.range = event.target.value;
    if (state.range === 'custom') {
      state.custom = { from: $('#from').value, to: $('#to').value };
      $('#custom').hidden = false;
      $('#from').focus();
    }
    loadStats();
  });
  for (const id of ['#from', '#to']) {
    $(id).addEventListener('change', () => {
      state.custom = { from: $('#from').value, to: $('#to').value };
      if (state.range === 'custom') loadStats();
    });
  }
  $('#filter-clear').addEventListener('click', () => {
    state.filter = { page: null, pageText: '', source: null };
    loadStats();
  });
  for (const id of ['#top-pages', '#referrers', '#campaigns']) $(id).addEventListener('click', onListClick);
  // A share link opened in a tab that already shows the dashboard.
  window.addEventListener('hashchange', () => {
    if (takeShareFragment()) start();
  });
  // Back to the tab: a watch now shows the numbers at once, and finds a dead socket.
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') live.watchNow?.();
  });
  // Back online: reconnect now rather than at the end of a long backoff.
  window.addEventListener('online', () => {
    if (live.reconnectTimer && live.site) {
      clearTimeout(live.reconnectTimer);
      live.reconnectTimer = 0;
      live.attempt = 0;
      connectLive();
    }
  });
  if (typeof ResizeObserver === 'function') {
    let width = 0;
    new ResizeObserver(() => {
      const next = chartWidth();
      if (chart && next !== width) {
        width = next;
        chart.setSize({ width: next, height: next < 520 ? 200 : 260 });
      }
    }).observe($('#chart'));
  }
}

async function start() {
  if (!state.config) {
    try {
      state.config = await loadConfig();
    } catch (err) {
      setStatus(err.message, 'error');
      return;
    }
  }
  takeShareFragment();
  const saved = savedKey();
  if (!saved) {
    showSignin('');
    return;
  }
  await signIn(saved.key, { share: saved.share });
}

wire();
start();
