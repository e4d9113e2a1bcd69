// Unit tests for the dashboard's pure logic (dashboard/logic.mjs); no DOM needed.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  MAX_RANGE_DAYS, RANGES, addDays, addMonths, applyLive, backoffDelay, campaignKey, campaignLabel, changeText,
  chartData, daysBetween, emptyLive, errorParts, errorText, formatNumber, isDay, keyFromInput, networkText,
  normalizeStats, pageLabel, rangeFor, rangeLabel, referrerKey, shareToken, sourceLabel, statsQuery, withReading, wsUrl,
} from '../logic.mjs';

describe('days', () => {
  test('isDay accepts real days only', () => {
    for (const day of ['2026-12-07', '2024-02-29', '1999-01-01']) assert.equal(isDay(day), true, day);
    for (const day of ['2026-02-29', '2026-13-01', '2026-12-32', '2026-1-07', '', null, undefined, 20261207, '2026-12-07T00:00'])
      assert.equal(isDay(day), false, String(day));
  });

  test('addDays crosses months, years and leap days', () => {
    assert.equal(addDays('2026-12-31', 1), '2027-01-01');
    assert.equal(addDays('2026-03-01', -1), '2026-02-28');
    assert.equal(addDays('2024-03-01', -1), '2024-02-29');
    assert.equal(addDays('2026-12-07', -29), '2026-11-08');
  });

  test('addDays is not moved by a DST change in the local zone', () => {
    const before = process.env.TZ;
    process.env.TZ = 'Europe/Paris';
    try {
      // 2026-03-29 and 2026-10-25 are the days Paris changes clocks.
      assert.equal(addDays('2026-03-28', 1), '2026-03-29');
      assert.equal(addDays('2026-03-29', 1), '2026-03-30');
      assert.equal(addDays('2026-10-26', -1), '2026-10-25');
      assert.equal(daysBetween('2026-03-01', '2026-03-31'), 31);
    } finally {
      if (before === undefined) delete process.env.TZ;
      else process.env.TZ = before;
    }
  });

  test('daysBetween counts both ends', () => {
    assert.equal(daysBetween('2026-12-07', '2026-12-07'), 1);
    assert.equal(daysBetween('2026-11-08', '2026-12-07'), 30);
    assert.equal(daysBetween('2024-01-01', '2024-12-31'), 366);
  });

  test('addMonths keeps the day or takes the shorter month\'s last', () => {
    assert.equal(addMonths('2026-12-07', -1), '2026-11-07');
    assert.equal(addMonths('2026-03-31', -1), '2026-02-28');
    assert.equal(addMonths('2024-03-31', -1), '2024-02-29');
    assert.equal(addMonths('2026-01-15', -1), '2025-12-15');
    assert.equal(addMonths('2024-02-29', -12), '2023-02-28');
  });
});

describe('rangeFor', () => {
  const today = '2026-12-07';

  test('every named range, ending on the site\'s today', () => {
    const expected = {
      today: ['2026-12-07', '2026-12-07'],
      yesterday: ['2026-12-06', '2026-12-06'],
      '7d': ['2026-12-01', '2026-12-07'],
      '30d': ['2026-11-08', '2026-12-07'],
      month: ['2026-12-01', '2026-12-07'],
      lastmonth: ['2026-11-01', '2026-11-30'],
      '12m': ['2025-12-08', '2026-12-07'],
    };
    for (const [name, [from, to]] of Object.entries(expected)) {
      assert.deepEqual(rangeFor(name, today), { from, to }, name);
    }
    assert.deepEqual(RANGES, ['today', 'yesterday', '7d', '30d', 'month', 'lastmonth', '12m', 'custom']);
  });

  test('ranges at the edges of months and years', () => {
    assert.deepEqual(rangeFor('lastmonth', '2026-01-01'), { from: '2025-12-01', to: '2025-12-31' });
    assert.deepEqual(rangeFor('lastmonth', '2024-03-31'), { from: '2024-02-01', to: '2024-02-29' });
    assert.deepEqual(rangeFor('yesterday', '2026-01-01'), { from: '2025-12-31', to: '2025-12-31' });
    assert.deepEqual(rangeFor('month', '2026-02-01'), { from: '2026-02-01', to: '2026-02-01' });
    assert.deepEqual(rangeFor('7d', '2026-03-03'), { from: '2026-02-25', to: '2026-03-03' });
    const year = rangeFor('12m', '2024-02-29');
    assert.deepEqual(year, { from: '2023-03-01', to: '2024-02-29' });
    assert.ok(daysBetween(year.from, year.to) <= MAX_RANGE_DAYS);
  });

  test('custom ranges are checked', () => {
    assert.deepEqual(rangeFor('custom', today, { from: '2026-10-01', to: '2026-10-31' }), { from: '2026-10-01', to: '2026-10-31' });
    assert.match(rangeFor('custom', today, { from: '2026-10-31', to: '2026-10-01' }).error, /start must be on or before/);
    assert.match(rangeFor('custom', today, { from: '2026-12-01', to: '2026-12-08' }).error, /after today \(2026-12-07/);
    assert.match(rangeFor('custom', today, { from: '', to: '2026-12-01' }).error, /Pick a start/);
    assert.match(rangeFor('custom', today, { from: '2025-01-01', to: '2026-12-01' }).error, /at most 400 days/);
    const longest = rangeFor('custom', today, { from: addDays(today, -(MAX_RANGE_DAYS - 1)), to: today });
    assert.equal(longest.error, undefined);
  });

  test('without a valid today or a known name there is no range', () => {
    assert.ok(rangeFor('30d', undefined).error);
    assert.ok(rangeFor('30d', '2026-13-01').error);
    assert.ok(rangeFor('fortnight', today).error);
  });
});

describe('numbers', () => {
  test('formatNumber uses comma thousands separators and never shows NaN', () => {
    assert.equal(formatNumber(0), '0');
    assert.equal(formatNumber(999), '999');
    assert.equal(formatNumber(1234), '1,234');
    assert.equal(formatNumber(1234567), '1,234,567');
    assert.equal(formatNumber(-1234), '-1,234');
    assert.equal(formatNumber(12.6), '13');
    for (const bad of [NaN, undefined, null, Infinity, '12', {}]) assert.equal(formatNumber(bad), '–');
  });

  test('changeText against the previous period', () => {
    assert.equal(changeText(120, 100), '+20%');
    assert.equal(changeText(95, 100), '-5%');
    assert.equal(changeText(100, 100), '0%');
    assert.equal(changeText(0, 0), '0%');
    assert.equal(changeText(7, 0), 'new');
    assert.equal(changeText(0, 50), '-100%');
    assert.equal(changeText(1001, 1000), '0%');
    assert.equal(changeText(1, 3), '-67%');
    assert.equal(changeText(250, 10), '+2,400%');
    assert.equal(changeText(null, 10), '');
    assert.equal(changeText(10, undefined), '');
  });

  test('backoff doubles from 1 s up to 30 s', () => {
    assert.deepEqual([0, 1, 2, 3, 4, 5, 6, 20].map(backoffDelay), [1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
  });
});

describe('labels and keys', () => {
  test('pages are labelled by title, else path, page name or article id', () => {
    assert.equal(pageLabel({ key: 'post#hello', articleId: 'hello', title: 'Hello' }), 'Hello');
    assert.equal(pageLabel({ key: 'path#/about/', path: '/about/', title: null }), '/about/');
    assert.equal(pageLabel({ key: 'page#Home_Page', pageName: 'Home_Page' }), 'Home_Page');
    assert.equal(pageLabel({ key: 'post#x', articleId: 'x', title: '' }), 'x');
  });

  test('referrer and campaign keys as the API takes them in source=', () => {
    assert.equal(referrerKey({ host: 'news.ycombinator.com', views: 1 }), 'referrer:news.ycombinator.com');
    const campaign = { parameter: 'utm_source', value: 'newsletter', views: 4 };
    assert.equal(campaignKey(campaign), 'utm_source:newsletter');
    assert.equal(campaignLabel(campaign), 'utm_source=newsletter');
    assert.equal(sourceLabel('referrer:example.com'), 'Referrer: example.com');
    assert.equal(sourceLabel('utm_campaign:spring:sale'), 'Campaign: utm_campaign=spring:sale');
  });

  test('statsQuery encodes what it is given and leaves out the rest', () => {
    const q = new URLSearchParams(statsQuery({ site: 'blog', from: '2026-11-08', to: '2026-12-07', page: 'path#/tags/x y/', top: 10 }));
    assert.deepEqual([...q], [['site', 'blog'], ['from', '2026-11-08'], ['to', '2026-12-07'], ['page', 'path#/tags/x y/'], ['top', '10']]);
    assert.equal(statsQuery({ from: 'a', to: 'b', source: 'utm_source:a&b' }), 'from=a&to=b&source=utm_source%3Aa%26b');
  });

  test('wsUrl adds the ticket as a query parameter', () => {
    assert.equal(wsUrl('ws://127.0.0.1:8080', 'a+b/c'), 'ws://127.0.0.1:8080?ticket=a%2Bb%2Fc');
    assert.equal(wsUrl('wss://x.example/prod?v=1', 't'), 'wss://x.example/prod?v=1&ticket=t');
  });

  test('share tokens come from the fragment, or from a whole link pasted as a key', () => {
    assert.equal(shareToken('#share=s.blog.AbC-_9'), 's.blog.AbC-_9');
    assert.equal(shareToken('share=s.blog.x'), 's.blog.x');
    assert.equal(shareToken('#share='), null);
    assert.equal(shareToken('#other=1'), null);
    assert.equal(shareToken(''), null);
    assert.equal(keyFromInput('  abcDEF123  '), 'abcDEF123');
    assert.equal(keyFromInput('https://stats.example/#share=s.blog.tok'), 's.blog.tok');
  });
});

describe('errors', () => {
  test('each refusal reads as a sentence', () => {
    assert.equal(errorText(401, 'unauthorized'), 'That key was not accepted');
    assert.match(errorText(401, 'unauthorized', null, { share: true }), /share link was not accepted/);
    assert.equal(errorText(429, 'too_many_tries'), 'Too many wrong keys; try again in a few minutes');
    assert.match(errorText(429, 'rate_limited'), /Too many requests/);
    assert.match(errorText(403, 'forbidden_site', null, { share: true }), /another site/);
    assert.equal(errorText(400, 'invalid_field', 'from: not a day'), 'The stats API refused the request: from: not a day');
    assert.equal(errorText(400, null, null), 'The stats API refused the request.');
    assert.match(errorText(404, 'unknown_site'), /not on this deployment/);
    assert.match(errorText(503, 'unavailable'), /unavailable right now/);
    assert.match(errorText(502, null), /HTTP 502/);
    assert.equal(networkText('http://127.0.0.1:8082'), 'Could not reach the stats API at http://127.0.0.1:8082');
    for (const status of [400, 401, 403, 404, 429, 500, 503]) {
      assert.doesNotMatch(errorText(status, 'x', 'y'), /[{}]|undefined|NaN|null/);
    }
  });

  test('error frames flat or nested', () => {
    assert.deepEqual(errorParts({ message: 'error', code: 'unauthorized', detail: 'no key' }), { code: 'unauthorized', detail: 'no key' });
    assert.deepEqual(errorParts({ message: 'error', error: { code: 'rate_limited', detail: 'wait' } }), { code: 'rate_limited', detail: 'wait' });
    assert.deepEqual(errorParts(null), { code: null, detail: null });
    assert.deepEqual(errorParts({ message: 'Forbidden' }), { code: null, detail: null });
  });
});

// A stats answer as the contract shows it, over 3 days.
function answer(overrides = {}) {
  return {
    site: 'blog', timeZone: 'UTC', today: '2026-12-07', from: '2026-12-05', to: '2026-12-07',
    page: null, source: null,
    totals: { views: 12, visitorDays: 8, botViews: 7 },
    previous: { from: '2026-12-02', to: '2026-12-04', totals: { views: 10, visitorDays: 7, botViews: 3 } },
    days: [
      { day: '2026-12-05', views: 3, visitorDays: 2 },
      { day: '2026-12-06', views: 4, visitorDays: 3 },
      { day: '2026-12-07', views: 5, visitorDays: 3 },
    ],
    pages: [
      { key: 'post#hello', articleId: 'hello', title: 'Hello', views: 8, visitorDays: 5 },
      { key: 'path#/about/', path: '/about/', title: null, views: 4, visitorDays: 3 },
    ],
    referrers: [{ host: 'news.ycombinator.com', views: 2 }],
    campaigns: [{ parameter: 'utm_source', value: 'newsletter', views: 1 }],
    bots: { headless: 5, crawler: 2 },
    ...overrides,
  };
}
const RANGE = { from: '2026-12-05', to: '2026-12-07' };

describe('normalizeStats', () => {
  test('keeps a well-formed answer', () => {
    const stats = normalizeStats(answer(), RANGE);
    assert.equal(stats.site, 'blog');
    assert.deepEqual(stats.totals, { views: 12, visitorDays: 8, botViews: 7 });
    assert.deepEqual(stats.previous.totals, { views: 10, visitorDays: 7, botViews: 3 });
    assert.deepEqual(stats.days.map((d) => d.views), [3, 4, 5]);
    assert.deepEqual(stats.bots, { headless: 5, crawler: 2 });
    assert.equal(stats.pages[1].path, '/about/');
  });

  test('fills missing days and bad numbers with zeros', () => {
    const stats = normalizeStats(answer({ days: [{ day: '2026-12-06', views: 'x', visitorDays: -1 }], totals: { views: NaN } }), RANGE);
    assert.deepEqual(stats.days, [
      { day: '2026-12-05', views: 0, visitorDays: 0 },
      { day: '2026-12-06', views: 0, visitorDays: 0 },
      { day: '2026-12-07', views: 0, visitorDays: 0 },
    ]);
    assert.deepEqual(stats.totals, { views: 0, visitorDays: null, botViews: 0 });
  });

  test('a source keeps visitors null, not zero', () => {
    const stats = normalizeStats(answer({ source: 'referrer:news.ycombinator.com', totals: { views: 2, visitorDays: null, botViews: 0 } }), RANGE);
    assert.equal(stats.totals.visitorDays, null);
    assert.ok(stats.days.every((d) => d.visitorDays === null));
  });

  test('drops rows it cannot show', () => {
    const stats = normalizeStats(answer({ pages: [{ views: 3 }, null, { key: 'post#a', views: 1 }], referrers: [{ views: 1 }], bots: [] }), RANGE);
    assert.deepEqual(stats.pages.map((p) => p.key), ['post#a']);
    assert.deepEqual(stats.referrers, []);
    assert.deepEqual(stats.bots, {});
  });

  test('chartData gives uPlot UTC seconds per day and the two series', () => {
    const [xs, views, visitors] = chartData(normalizeStats(answer(), RANGE).days);
    assert.deepEqual(xs, [Date.UTC(2026, 11, 5) / 1000, Date.UTC(2026, 11, 6) / 1000, Date.UTC(2026, 11, 7) / 1000]);
    assert.deepEqual(views, [3, 4, 5]);
    assert.deepEqual(visitors, [2, 3, 3]);
  });
});

const frame = (overrides = {}) => ({
  message: 'live', site: 'blog', day: '2026-12-07', views: 7, visitors: 4, reading: 3,
  pages: [{ key: 'post#hello', articleId: 'hello', title: 'Hello', views: 4, reading: 2 }],
  ...overrides,
});

describe('applyLive', () => {
  test('ticks today\'s point and the totals of a range that holds today', () => {
    const stats = normalizeStats(answer(), RANGE);
    const { stats: next, live } = applyLive(stats, emptyLive(), frame());
    assert.deepEqual(next.days.at(-1), { day: '2026-12-07', views: 7, visitorDays: 4 });
    assert.equal(next.totals.views, 14);
    assert.equal(next.totals.visitorDays, 9);
    assert.equal(next.totals.botViews, 7);
    assert.deepEqual({ reading: live.reading, todayViews: live.todayViews, todayVisitors: live.todayVisitors }, { reading: 3, todayViews: 7, todayVisitors: 4 });
    assert.equal(stats.totals.views, 12, 'the stats given are left alone');
  });

  test('a stale frame cannot take counts back', () => {
    const stats = normalizeStats(answer(), RANGE);
    const first = applyLive(stats, emptyLive(), frame({ views: 9, visitors: 5 }));
    const second = applyLive(first.stats, first.live, frame({ views: 8, visitors: 4 }));
    assert.equal(second.stats.days.at(-1).views, 9);
    assert.equal(second.stats.totals.views, 16);
    assert.equal(second.live.todayViews, 9);
    const older = applyLive(second.stats, second.live, frame({ day: '2026-12-06', views: 100 }));
    assert.equal(older.changed, false);
  });

  test('a range without today changes only the reading counts', () => {
    const range = { from: '2026-11-01', to: '2026-11-30' };
    const stats = normalizeStats(answer({ from: range.from, to: range.to, days: [] }), range);
    const { stats: next, live } = applyLive(stats, emptyLive(), frame());
    assert.equal(next.totals.views, 12);
    assert.equal(next.pages[0].views, 8);
    assert.equal(next.pages[0].reading, 2);
    assert.equal(next.pages[1].reading, 0);
    assert.equal(live.todayViews, 7);
  });

  test('in a range of today alone, a page row takes its views today, and new pages join the list', () => {
    const range = { from: '2026-12-07', to: '2026-12-07' };
    const stats = normalizeStats(answer({ ...range, days: [{ day: '2026-12-07', views: 5, visitorDays: 3 }], pages: [{ key: 'post#hello', title: 'Hello', views: 3 }] }), range);
    const { stats: next } = applyLive(stats, emptyLive(), frame({
      pages: [{ key: 'post#hello', title: 'Hello', views: 4, reading: 1 }, { key: 'path#/new/', path: '/new/', views: 6, reading: 0 }],
    }));
    assert.deepEqual(next.pages.map((p) => [p.key, p.views, p.reading]), [['path#/new/', 6, 0], ['post#hello', 4, 1]]);
  });

  test('in a longer range, a page row grows by what its views today grew since it was first seen', () => {
    const stats = normalizeStats(answer(), RANGE);
    const a = applyLive(stats, emptyLive(), frame({ pages: [{ key: 'path#/about/', views: 2, reading: 1 }] }));
    assert.equal(a.stats.pages.find((p) => p.key === 'path#/about/').views, 4, 'the first sighting is the baseline');
    const b = applyLive(a.stats, a.live, frame({ pages: [{ key: 'path#/about/', views: 5, reading: 1 }] }));
    const about = b.stats.pages.find((p) => p.key === 'path#/about/');
    assert.equal(about.views, 7);
    assert.equal(b.stats.pages.find((p) => p.key === 'post#hello').reading, 0);
  });

  test('a page read but not just counted (no views in the frame) moves no number and sets no baseline', () => {
    const stats = normalizeStats(answer(), RANGE);
    const before = stats.pages.find((p) => p.key === 'path#/about/').views;
    // The server names a page being read without its views when no view of it was just counted.
    const a = applyLive(stats, emptyLive(), frame({ pages: [{ key: 'path#/about/', reading: 2 }] }));
    assert.equal(a.stats.pages.find((p) => p.key === 'path#/about/').views, before);
    assert.equal(a.stats.pages.find((p) => p.key === 'path#/about/').reading, 2);
    // Counted later: its views today become the baseline, not an addition to the row.
    const b = applyLive(a.stats, a.live, frame({ pages: [{ key: 'path#/about/', views: 31, reading: 2 }] }));
    assert.equal(b.stats.pages.find((p) => p.key === 'path#/about/').views, before);
  });

  test('a page filter ticks the chart from that page\'s views today only', () => {
    const page = { key: 'post#hello', articleId: 'hello', title: 'Hello', views: 8, visitorDays: 5 };
    const stats = normalizeStats(answer({ page, totals: { views: 8, visitorDays: 5, botViews: 0 } }), RANGE);
    const { stats: next } = applyLive(stats, emptyLive(), frame({ views: 50, pages: [{ key: 'post#hello', views: 6, reading: 1 }] }));
    assert.equal(next.days.at(-1).views, 6);
    assert.equal(next.totals.views, 9);
    assert.equal(next.page.views, 9);
    assert.equal(next.days.at(-1).visitorDays, 3, 'visitors of a page are not in the frame');
  });

  test('a source filter leaves the chart alone', () => {
    const stats = normalizeStats(answer({ source: 'referrer:news.ycombinator.com', totals: { views: 2, visitorDays: null, botViews: 0 } }), RANGE);
    const { stats: next, live } = applyLive(stats, emptyLive(), frame());
    assert.deepEqual(next.days, stats.days);
    assert.equal(next.totals.views, 2);
    assert.equal(live.todayViews, 7);
  });

  test('another site\'s frame, another message or a later day', () => {
    const stats = normalizeStats(answer(), RANGE);
    assert.equal(applyLive(stats, emptyLive(), frame({ site: 'notes' })).changed, false);
    assert.equal(applyLive(stats, emptyLive(), { message: 'counts', site: 'blog', day: '2026-12-07' }).changed, false);
    const rolled = applyLive(stats, emptyLive(), frame({ day: '2026-12-08', views: 1, visitors: 1 }));
    assert.equal(rolled.dayRolled, true);
    assert.equal(rolled.stats.totals.views, 12);
    assert.equal(rolled.live.todayViews, 1);
  });

  test('readers carry over to freshly loaded stats', () => {
    const stats = normalizeStats(answer(), RANGE);
    assert.equal(withReading(stats, emptyLive()), stats, 'no frame yet: the stats as they came');
    const { live } = applyLive(null, emptyLive(), frame({ pages: [{ key: 'path#/about/', views: 1, reading: 4 }] }));
    const next = withReading(stats, live);
    assert.deepEqual(next.pages.map((p) => [p.key, p.reading]), [['post#hello', 0], ['path#/about/', 4]]);
    assert.equal(stats.pages[1].reading, 0, 'the stats given are left alone');
  });

  test('a new day starts the live counts afresh', () => {
    const first = applyLive(null, emptyLive(), frame({ views: 90, visitors: 40 }));
    const next = applyLive(null, first.live, frame({ day: '2026-12-08', views: 1, visitors: 1, pages: [] }));
    assert.equal(next.live.todayViews, 1);
    assert.deepEqual(next.live.seen, {});
  });
});

describe('rangeLabel', () => {
  test('one day, one year, two years', () => {
    assert.match(rangeLabel('2026-12-07', '2026-12-07', { locale: 'en-GB' }), /^Mon,? 7 Dec 2026$/);
    assert.equal(rangeLabel('2026-11-08', '2026-12-07', { locale: 'en-GB' }), '8 Nov – 7 Dec 2026');
    assert.equal(rangeLabel('2025-12-08', '2026-12-07', { locale: 'en-GB' }), '8 Dec 2025 – 7 Dec 2026');
    assert.equal(rangeLabel('x', '2026-12-07'), '');
  });
});
