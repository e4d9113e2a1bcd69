// Dual loading (classic script / ES module / CommonJS) and the build.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, test } from 'node:test';
import vm from 'node:vm';
import { BUDGET, buildCode, gzipSize } from '../build.mjs';

const require = createRequire(import.meta.url);
const read = (name) => readFileSync(new URL(`../${name}`, import.meta.url), 'utf8');
const source = read('viewcount.js');
const built = await buildCode();

// Evaluate code as an ES module (Node's loader, via a data: URL).
const importAsModule = (code) => import(`data:text/javascript,${encodeURIComponent(code)}`);

describe('classic script', () => {
  test('source and minified build compile as classic scripts (no import/export)', () => {
    for (const code of [source, built.classic]) assert.doesNotThrow(() => new vm.Script(code));
    assert.throws(() => new vm.Script(`${source}\nexport {};`), SyntaxError); // the check can fail
  });

  test('the same code also evaluates as an ES module (that is how viewcount.mjs loads it)', async () => {
    for (const code of [source, built.classic]) {
      const mod = await importAsModule(`${code}\nexport const api = globalThis.viewcount;`);
      assert.equal(typeof mod.api.start, 'function');
    }
  });

  test('evaluating it twice keeps the first instance and starts once', () => {
    let sockets = 0;
    const context = {
      document: {
        readyState: 'complete',
        visibilityState: 'visible',
        currentScript: { dataset: { endpoint: 'wss://x.example' } },
        querySelectorAll: () => [],
        querySelector: () => null,
        addEventListener() {},
      },
      location: { pathname: '/', search: '', origin: 'https://x.example' },
      history: { pushState() {} },
      navigator: {},
      addEventListener() {},
      setTimeout() {},
      clearTimeout() {},
      URL,
      crypto: {},
      WebSocket: class {
        constructor() {
          sockets++;
        }
      },
    };
    context.window = context;
    vm.createContext(context);
    vm.runInContext(source, context);
    const first = context.viewcount;
    vm.runInContext(built.classic, context);
    assert.equal(context.viewcount, first);
    assert.equal(sockets, 1);
  });

  test('an element with id="viewcount" (window named access) does not block registration', () => {
    const context = { viewcount: { id: 'viewcount', tagName: 'SPAN' } };
    vm.createContext(context);
    vm.runInContext(built.classic, context);
    assert.equal(typeof context.viewcount.start, 'function');
  });

  test('without a DOM (Node/SSR) it loads without touching document', () => {
    const context = {};
    vm.createContext(context);
    assert.doesNotThrow(() => vm.runInContext(source, context));
    assert.equal(typeof context.viewcount.track, 'function');
  });
});

describe('ES module entry', () => {
  test('viewcount.mjs re-exports the one window.viewcount instance', async () => {
    const mod = await import('../viewcount.mjs');
    assert.equal(mod.default, globalThis.viewcount);
    assert.equal(mod.start, globalThis.viewcount.start);
    assert.equal(mod.track, globalThis.viewcount.track);
    assert.equal(mod.on, globalThis.viewcount.on);
    assert.deepEqual(Object.keys(mod).sort(), ['default', 'on', 'start', 'track']);
  });

  test('the built module works next to the minified script (fresh Node process)', () => {
    assert.match(built.esm, /^import\s*["']\.\/viewcount\.min\.js["'];/);
    const dir = mkdtempSync(join(tmpdir(), 'viewcount-'));
    try {
      writeFileSync(join(dir, 'viewcount.min.js'), built.classic);
      writeFileSync(join(dir, 'viewcount.min.mjs'), built.esm);
      const url = pathToFileURL(join(dir, 'viewcount.min.mjs')).href;
      const script = `import vc, { start, track, on } from ${JSON.stringify(url)};
        console.log([typeof start, typeof track, typeof on, vc === globalThis.viewcount, vc.start === start].join());`;
      const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
      assert.equal(out.trim(), 'function,function,function,true,true');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('CommonJS', () => {
  test('require() gives the API with the pure helpers', () => {
    const api = require('../viewcount.js');
    assert.equal(typeof api.start, 'function');
    assert.equal(typeof api._internal.buildView, 'function');
  });

  test('the minified build drops the test-only helpers', () => {
    assert.equal(built.classic.includes('_internal'), false);
    assert.equal(built.classic.includes('module.exports'), false);
  });
});

describe('build', () => {
  test(`gzipped viewcount.min.js fits the ${BUDGET} byte budget`, () => {
    const size = gzipSize(built.classic);
    assert.ok(size <= BUDGET, `${size} bytes`);
  });

  test('output is deterministic', async () => {
    const again = await buildCode();
    assert.equal(again.classic, built.classic);
    assert.equal(again.esm, built.esm);
  });
});
