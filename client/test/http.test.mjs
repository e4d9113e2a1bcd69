// The HTTP fallback module (viewcount-http.mjs): what it sends and reads, with the browser's sendBeacon and
// fetch stood in for, and a manual clock.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, mock, test } from 'node:test';
import sendByHttp, { READ_AGAIN } from '../viewcount-http.mjs';

const ENDPOINT = 'https://api.example/stage';
const view = { message: 'views', viewId: 'v-1', currentPage: '/posts/a/', article: true };
const answer = { message: 'counts', counts: {}, paths: { '/posts/a/': { totalViews: 3, uniqueViews: 2 } }, site: { totalViews: 9, uniqueViews: 7 } };

describe('viewcount-http.mjs', () => {
  let beacons, fetches, beaconAccepts, status;
  beforeEach(() => {
    beacons = [];
    fetches = [];
    beaconAccepts = true;
    status = 200;
    mock.timers.enable({ apis: ['setTimeout'] });
    globalThis.navigator = { sendBeacon: (url, body) => (beacons.push([url, JSON.parse(body)]), beaconAccepts) };
    globalThis.fetch = async (url, init) => {
      fetches.push([url, init]);
      return { ok: status === 200, status, json: async () => answer };
    };
  });
  afterEach(() => {
    mock.timers.reset();
    delete globalThis.navigator;
    delete globalThis.fetch;
  });
  const settle = () => new Promise((resolve) => setImmediate(resolve));

  test('each view goes by beacon; the counts are read at once and once more later', async () => {
    const received = [];
    sendByHttp({ httpEndpoint: ENDPOINT }, [view], () => ({ articleIds: ['x'], paths: ['/posts/a/', '/tags/a b/'] }), (m) => received.push(m), assert.fail);
    assert.deepEqual(beacons, [[`${ENDPOINT}/views`, view]]);
    await settle();
    assert.deepEqual(fetches.map(([url]) => url), [`${ENDPOINT}/counts?paths=%2Fposts%2Fa%2F&paths=%2Ftags%2Fa+b%2F&articleIds=x`]);
    assert.deepEqual(received, [answer]);
    mock.timers.tick(READ_AGAIN - 1);
    await settle();
    assert.equal(fetches.length, 1);
    mock.timers.tick(1);
    await settle();
    assert.equal(fetches.length, 2);
    assert.equal(received.length, 2);
  });

  test('a refused beacon is sent with fetch instead', async () => {
    beaconAccepts = false;
    sendByHttp({ httpEndpoint: ENDPOINT }, [view], () => ({ articleIds: [], paths: ['/'] }), () => {}, assert.fail);
    await settle();
    const [url, init] = fetches.find(([u]) => u.endsWith('/views'));
    assert.equal(url, `${ENDPOINT}/views`);
    assert.deepEqual({ ...init, body: JSON.parse(init.body) }, { method: 'POST', body: view, keepalive: true });
  });

  test('an HTTP error is warned about and paints nothing', async () => {
    status = 403;
    const warnings = [];
    const received = [];
    sendByHttp({ httpEndpoint: ENDPOINT }, [view], () => ({ articleIds: [], paths: ['/'] }), (m) => received.push(m), (e) => warnings.push(String(e)));
    await settle();
    await settle();
    assert.deepEqual(received, []);
    assert.deepEqual(warnings, ['Error: counts: HTTP 403']);
  });
});
