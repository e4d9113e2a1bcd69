// The dashboard's pure logic: days and ranges, numbers, error texts, and live frames applied to
// the stats. No DOM here, so node --test can check all of it.
//
// build.mjs concatenates this file before dashboard.js (terser does not bundle): keep every
// export a top-level `export function` or `export const`, and no imports.

// Days are the site's calendar days as "YYYY-MM-DD". Arithmetic runs on UTC midnights, where
// every day is 24 hours long, so a DST change in the browser's zone cannot skip or repeat one.
const DAY_MS = 86400000;
const DAY_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

export const RANGES = ['today', 'yesterday', '7d', '30d', 'month', 'lastmonth', '12m', 'custom'];
export const MAX_RANGE_DAYS = 400;
// Rows asked for per list.
export const TOP = 10;

export function dayToMs(day) {
  const m = DAY_RE.exec(day ?? '');
  if (!m) return NaN;
  const ms = Date.UTC(+m[1], +m[2] - 1, +m[3]);
  // Date.UTC rolls 2026-02-30 over to March; a day that does not round-trip does not exist.
  return msToDay(ms) === day ? ms : NaN;
}

export function msToDay(ms) {
  return new Date(ms).toISOString().slice(0, 10);
}

export const isDay = (day) => typeof day === 'string' && !Number.isNaN(dayToMs(day));

export function addDays(day, n) {
  return msToDay(dayToMs(day) + n * DAY_MS);
}

// Both days included: daysBetween(d, d) is 1.
export function daysBetween(from, to) {
  return Math.round((dayToMs(to) - dayToMs(from)) / DAY_MS) + 1;
}

// The same day of the month n months away, or that month's last day when it is shorter
// (31 March minus one month is 28 or 29 February).
export function addMonths(day, n) {
  const [y, m, d] = day.split('-').map(Number);
  const target = new Date(Date.UTC(y, m - 1 + n, 1));
  const last = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(d, last));
  return msToDay(target.getTime());
}

// {from, to} of a named range, ending on the site's `today`; or {error} with a sentence for a
// person when a custom range cannot be asked for. The ranges that end today include today, so
// the live counts have a day to tick.
export function rangeFor(name, today, custom = {}) {
  if (!isDay(today)) return { error: 'The site did not say what day it is there.' };
  const firstOfMonth = `${today.slice(0, 8)}01`;
  switch (name) {
    case 'today':
      return { from: today, to: today };
    case 'yesterday': {
      const day = addDays(today, -1);
      return { from: day, to: day };
    }
    case '7d':
      return { from: addDays(today, -6), to: today };
    case '30d':
      return { from: addDays(today, -29), to: today };
    case 'month':
      return { from: firstOfMonth, to: today };
    case 'lastmonth':
      return { from: addMonths(firstOfMonth, -1), to: addDays(firstOfMonth, -1) };
    case '12m':
      return { from: addDays(addMonths(today, -12), 1), to: today };
    case 'custom': {
      const { from, to } = custom;
      if (!isDay(from) || !isDay(to)) return { error: 'Pick a start and an end day.' };
      if (from > to) return { error: 'The start must be on or before the end.' };
      if (to > today) return { error: `The end is after today (${today} in the site's time zone).` };
      if (daysBetween(from, to) > MAX_RANGE_DAYS) return { error: `Pick at most ${MAX_RANGE_DAYS} days.` };
      return { from, to };
    }
    default:
      return { error: 'Pick a range.' };
  }
}

const finite = (n) => typeof n === 'number' && Number.isFinite(n);

// "1,234" whatever the browser's locale: the contract (and the browser test) read these digits.
export function formatNumber(n) {
  if (!finite(n)) return '–';
  const digits = String(Math.abs(Math.round(n))).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return n < 0 && Math.round(n) !== 0 ? `-${digits}` : digits;
}

// The change of a total against the previous period: "+20%", "-5%", "0%", or "new" when the
// previous period had none. Empty when either side is unknown (visitors of a source).
export function changeText(current, previous) {
  if (!finite(current) || !finite(previous)) return '';
  if (current === previous) return '0%';
  if (previous === 0) return 'new';
  const pct = Math.round(((current - previous) / previous) * 100);
  if (pct === 0) return '0%';
  return `${pct > 0 ? '+' : '-'}${formatNumber(Math.abs(pct))}%`;
}

// A page's label: its title, else its path, page name or article id.
export function pageLabel(page) {
  return page?.title || page?.path || page?.pageName || page?.articleId || page?.key || '';
}

export const referrerKey = (row) => `referrer:${row.host}`;
export const campaignKey = (row) => `${row.parameter}:${row.value}`;
export const campaignLabel = (row) => `${row.parameter}=${row.value}`;

// What a filter chip says about a `source=` value.
export function sourceLabel(source) {
  const at = (source ?? '').indexOf(':');
  if (at < 0) return source ?? '';
  const kind = source.slice(0, at);
  const value = source.slice(at + 1);
  return kind === 'referrer' ? `Referrer: ${value}` : `Campaign: ${kind}=${value}`;
}

const BOT_REASONS = {
  headless: 'Headless browsers',
  crawler: 'Crawlers and bots that say so',
  no_user_agent: 'No User-Agent',
  webdriver: 'Automated browsers (webdriver)',
};
export const botLabel = (reason) => BOT_REASONS[reason] ?? String(reason).replace(/_/g, ' ');

// The stats API's errors as a person reads them. `share` words a 401 for a share link.
export function errorText(status, code, detail, { share = false } = {}) {
  if (status === 401) {
    return share ? 'That share link was not accepted; it may have been revoked.' : 'That key was not accepted';
  }
  if (status === 403) {
    return share ? 'This share link is for another site.' : 'This key may not see that site.';
  }
  if (status === 429) {
    // Only the API's own refusal says why; API Gateway's throttle answers a bare 429.
    return code === 'too_many_tries'
      ? 'Too many wrong keys; try again in a few minutes'
      : 'Too many requests; wait a moment and try again.';
  }
  if (status === 404 && code === 'unknown_site') return 'That site is not on this deployment.';
  if (status === 404) return 'The stats API has no dashboard here (404): check httpEndpoint in config.json.';
  if (status === 400) {
    const why = typeof detail === 'string' && detail ? `: ${detail.slice(0, 200)}` : '.';
    return `The stats API refused the request${why}`;
  }
  if (status === 503) return 'The stats API is unavailable right now; try again in a moment.';
  return `The stats API answered with an error (HTTP ${status}).`;
}

export const networkText = (endpoint) => `Could not reach the stats API at ${endpoint}`;

// The error frame's code and detail, flat ({code, detail}) or nested ({error: {code, detail}}),
// the WebSocket's shape; whichever the HTTP API sends.
export function errorParts(body) {
  const inner = body && typeof body.error === 'object' && body.error ? body.error : body;
  const code = typeof inner?.code === 'string' ? inner.code : null;
  const detail = typeof inner?.detail === 'string' ? inner.detail : null;
  return { code, detail };
}

export function statsQuery({ site, from, to, page, source, top }) {
  const q = new URLSearchParams();
  if (site) q.set('site', site);
  q.set('from', from);
  q.set('to', to);
  if (page) q.set('page', page);
  if (source) q.set('source', source);
  if (top) q.set('top', String(top));
  return q.toString();
}

export function wsUrl(endpoint, ticket) {
  return `${endpoint}${endpoint.includes('?') ? '&' : '?'}ticket=${encodeURIComponent(ticket)}`;
}

// Reconnect delays: 1 s, 2 s, 4 s ... at most 30 s.
export const backoffDelay = (attempt) => Math.min(30000, 1000 * 2 ** Math.max(0, attempt));

// The token of a `#share=<token>` fragment, or null.
export function shareToken(hash) {
  const m = /^#?share=([^&]+)/.exec(hash ?? '');
  if (!m) return null;
  try {
    return decodeURIComponent(m[1]).trim() || null;
  } catch {
    return null;
  }
}

// What was typed in the key field: a whole share link pasted there stands for its token.
export function keyFromInput(value) {
  const text = String(value ?? '').trim();
  const at = text.indexOf('#share=');
  return at >= 0 ? shareToken(text.slice(at)) ?? '' : text;
}

const count = (n) => (finite(n) && n >= 0 ? Math.round(n) : 0);
const countOrNull = (n) => (finite(n) && n >= 0 ? Math.round(n) : null);

// The stats answer with every number checked and every day of [from, to] present, so nothing
// downstream meets undefined or NaN. `range` is what was asked, used when the answer omits it.
export function normalizeStats(raw, range) {
  const from = isDay(raw?.from) ? raw.from : range.from;
  const to = isDay(raw?.to) ? raw.to : range.to;
  const source = typeof raw?.source === 'string' && raw.source ? raw.source : null;
  const byDay = new Map();
  for (const d of Array.isArray(raw?.days) ? raw.days : []) if (isDay(d?.day)) byDay.set(d.day, d);
  const days = [];
  // A source's visitors are not kept: null, not 0, so nothing shows them as none.
  const visitors = (n) => (source ? null : count(n));
  for (let day = from, i = 0; day <= to && i <= MAX_RANGE_DAYS; day = addDays(day, 1), i++) {
    const d = byDay.get(day);
    days.push({ day, views: count(d?.views), visitorDays: visitors(d?.visitorDays) });
  }
  const totals = (t) => ({
    views: count(t?.views),
    visitorDays: source ? null : countOrNull(t?.visitorDays),
    botViews: count(t?.botViews),
  });
  const rows = (list, keep) => (Array.isArray(list) ? list.filter(keep) : []);
  const page = raw?.page && typeof raw.page === 'object' && raw.page.key ? { ...raw.page } : null;
  const bots = {};
  for (const [reason, n] of Object.entries(raw?.bots && typeof raw.bots === 'object' ? raw.bots : {})) {
    if (count(n) > 0) bots[reason] = count(n);
  }
  return {
    site: raw?.site ?? null,
    timeZone: typeof raw?.timeZone === 'string' ? raw.timeZone : 'UTC',
    today: isDay(raw?.today) ? raw.today : null,
    from,
    to,
    page,
    source,
    totals: totals(raw?.totals),
    previous: {
      from: isDay(raw?.previous?.from) ? raw.previous.from : null,
      to: isDay(raw?.previous?.to) ? raw.previous.to : null,
      totals: raw?.previous?.totals ? totals(raw.previous.totals) : null,
    },
    days,
    pages: rows(raw?.pages, (p) => p && typeof p.key === 'string').map((p) => ({
      ...p,
      views: count(p.views),
      reading: count(p.reading),
    })),
    referrers: rows(raw?.referrers, (r) => r && typeof r.host === 'string').map((r) => ({ host: r.host, views: count(r.views) })),
    campaigns: rows(raw?.campaigns, (c) => c && typeof c.parameter === 'string' && typeof c.value === 'string').map((c) => ({
      parameter: c.parameter,
      value: c.value,
      views: count(c.views),
    })),
    bots,
  };
}

// [x (UTC seconds of each day), views, visitor-days] as uPlot takes them.
export function chartData(days) {
  return [days.map((d) => dayToMs(d.day) / 1000), days.map((d) => d.views), days.map((d) => d.visitorDays)];
}

// `pageReading`: the readers of each page in the last frame, which lists every page being read.
export const emptyLive = () => ({ day: null, reading: null, todayViews: null, todayVisitors: null, seen: {}, pageReading: null });

// Fresh stats carry no readers: give their page rows those of the last frame, if any came.
export function withReading(stats, live) {
  if (!live.pageReading) return stats;
  return { ...stats, pages: stats.pages.map((row) => ({ ...row, reading: live.pageReading[row.key] ?? 0 })) };
}

// Applies a `live` frame to the drawn stats and the live figures, returning new ones (the
// arguments are left alone). Counts only grow within a day, so a frame that arrives after a
// fresher one cannot take a number back. `dayRolled` says the site's day has moved past the
// stats' today: the range should be computed again.
//
// The site's today is exact: the frame carries its absolute views and visitors. A page's row
// holds its views over the range; the frame gives its views today, so in a range of today
// alone the row takes them as they are, and in a longer range it adds what they grew by since
// the page was last seen in a frame. A page's first frame after the stats loaded is only the
// baseline, since the stats may or may not already hold the view that frame tells of.
export function applyLive(stats, live, frame) {
  const unchanged = { stats, live, changed: false, dayRolled: false };
  if (!frame || frame.message !== 'live' || !isDay(frame.day)) return unchanged;
  if (stats?.site && frame.site !== stats.site) return unchanged;
  if (live.day && frame.day < live.day) return unchanged;

  const sameDay = live.day === frame.day;
  const grow = (old, n) => (sameDay && finite(old) ? Math.max(old, count(n)) : count(n));
  const framePages = (Array.isArray(frame.pages) ? frame.pages : []).filter((p) => p && typeof p.key === 'string');
  const nextLive = {
    day: frame.day,
    reading: count(frame.reading),
    todayViews: grow(live.todayViews, frame.views),
    todayVisitors: grow(live.todayVisitors, frame.visitors),
    seen: sameDay ? { ...live.seen } : {},
    pageReading: Object.fromEntries(framePages.map((p) => [p.key, count(p.reading)])),
  };
  if (!stats) return { stats, live: nextLive, changed: true, dayRolled: false };

  const next = structuredClone(stats);
  const dayRolled = Boolean(next.today && frame.day > next.today);
  const inRange = frame.day >= next.from && frame.day <= next.to;
  const point = inRange ? next.days.find((d) => d.day === frame.day) : null;

  if (point && !next.source && !next.page) {
    const views = Math.max(point.views, count(frame.views));
    next.totals.views += views - point.views;
    point.views = views;
    if (point.visitorDays !== null && next.totals.visitorDays !== null) {
      const visitors = Math.max(point.visitorDays, count(frame.visitors));
      next.totals.visitorDays += visitors - point.visitorDays;
      point.visitorDays = visitors;
    }
  } else if (point && !next.source && next.page) {
    const mine = framePages.find((p) => p.key === next.page.key);
    if (mine && finite(mine.views)) {
      const views = Math.max(point.views, count(mine.views));
      next.totals.views += views - point.views;
      next.page.views = count(next.page.views) + views - point.views;
      point.views = views;
    }
  }

  const byKey = new Map(framePages.map((p) => [p.key, p]));
  const todayOnly = next.from === frame.day && next.to === frame.day;
  for (const row of next.pages) {
    const p = byKey.get(row.key);
    row.reading = p ? count(p.reading) : 0;
    // A page read but not just counted comes without its views: it moves no number.
    if (!p || !inRange || !finite(p.views)) continue;
    const today = count(p.views);
    if (todayOnly) row.views = Math.max(row.views, today);
    else if (row.key in nextLive.seen) row.views += Math.max(0, today - nextLive.seen[row.key]);
  }
  if (inRange && todayOnly) {
    const listed = new Set(next.pages.map((r) => r.key));
    for (const p of framePages) {
      if (!listed.has(p.key) && count(p.views) > 0) {
        const { key, articleId, path, pageName, title } = p;
        next.pages.push({ key, articleId, path, pageName, title, views: count(p.views), reading: count(p.reading) });
      }
    }
  }
  for (const p of framePages) {
    if (finite(p.views)) nextLive.seen[p.key] = Math.max(nextLive.seen[p.key] ?? 0, p.views);
  }
  // Array.prototype.sort is stable: equal counts keep the API's order.
  next.pages.sort((a, b) => b.views - a.views);
  const room = Math.max(stats.pages.length, TOP);
  if (next.pages.length > room) next.pages.length = room;

  return { stats: next, live: nextLive, changed: true, dayRolled };
}

// The day a person reads, e.g. "Mon 7 Dec 2026", of a site day (not of an instant: UTC).
export function dayLabel(day, { weekday = true, year = true, locale } = {}) {
  if (!isDay(day)) return '';
  return new Intl.DateTimeFormat(locale, {
    timeZone: 'UTC',
    weekday: weekday ? 'short' : undefined,
    day: 'numeric',
    month: 'short',
    year: year ? 'numeric' : undefined,
  }).format(new Date(dayToMs(day)));
}

export function rangeLabel(from, to, { locale } = {}) {
  if (!isDay(from) || !isDay(to)) return '';
  if (from === to) return dayLabel(from, { locale });
  const sameYear = from.slice(0, 4) === to.slice(0, 4);
  return `${dayLabel(from, { weekday: false, year: !sameYear, locale })} – ${dayLabel(to, { weekday: false, locale })}`;
}
