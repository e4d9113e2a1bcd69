// Tests of dashboard/build.mjs: what lands in the output folder, config.json only on request,
// the bundling of the two modules, and the size budget.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { BUDGET, buildDashboard, bundleSources, gzipSize, parseArgs, parseConfig } from '../build.mjs';

const dashboard = dirname(dirname(fileURLToPath(import.meta.url)));
const work = mkdtempSync(join(tmpdir(), 'viewcount-dashboard-'));
after(() => rmSync(work, { recursive: true, force: true }));

const CONFIG = { httpEndpoint: 'http://127.0.0.1:8082', wsEndpoint: 'ws://127.0.0.1:8080' };

describe('buildDashboard', () => {
  test('writes the page, its code and uPlot, and no config.json unless asked', async () => {
    const out = join(work, 'plain');
    const { sizes, total } = await buildDashboard({ out });
    const names = readdirSync(out).sort();
    assert.deepEqual(names, ['dashboard.css', 'dashboard.min.js', 'index.html', 'uPlot.LICENSE.txt', 'uPlot.iife.min.js', 'uPlot.min.css']);
    assert.deepEqual(sizes.map((s) => s.name).sort(), names);
    assert.equal(total, sizes.reduce((sum, s) => sum + s.gzip, 0));
    assert.ok(total < BUDGET, `${total} bytes gzipped`);
    for (const { name, gzip } of sizes) assert.equal(gzip, gzipSize(readFileSync(join(out, name))), name);
  });

  test('the minified code is one module: logic inlined, no import left', async () => {
    const out = join(work, 'code');
    await buildDashboard({ out });
    const code = readFileSync(join(out, 'dashboard.min.js'), 'utf8');
    assert.doesNotMatch(code, /logic\.mjs|\bimport\s*\{|\bexport\b/);
    assert.match(code, /reconnecting/);
    assert.match(code, /\/dashboard\/tickets/);
    assert.ok(code.length < readFileSync(join(dashboard, 'dashboard.js')).length, 'minified');
    // It must parse as a module on its own.
    const check = spawnSync(process.execPath, ['--check', '--input-type=module'], { input: code, encoding: 'utf8' });
    assert.equal(check.status, 0, check.stderr);
  });

  test('config.json with --config, and a rebuild without it removes a stale one', async () => {
    const out = join(work, 'configured');
    await buildDashboard({ out, config: CONFIG });
    assert.deepEqual(JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')), CONFIG);
    await buildDashboard({ out });
    assert.equal(existsSync(join(out, 'config.json')), false);
  });
});

describe('bundleSources', () => {
  const logic = "export const A = 1;\nexport function f() { return A; }\nexport async function g() {}\n";

  test('inlines logic and removes the import', () => {
    const code = bundleSources(logic, "import { A, f } from './logic.mjs';\nconsole.log(f());\n");
    assert.equal(code, "const A = 1;\nfunction f() { return A; }\nasync function g() {}\n\n\nconsole.log(f());\n");
  });

  test('refuses shapes it does not know rather than ship a broken module', () => {
    assert.throws(() => bundleSources(logic, "import * as logic from './logic.mjs';\n"), /one statement/);
    assert.throws(() => bundleSources('export { A };\n', "import { A } from './logic.mjs';\n"), /logic\.mjs: cannot bundle/);
    assert.throws(() => bundleSources(logic, "import { A } from './logic.mjs';\nimport x from './other.mjs';\n"), /dashboard\.js: cannot bundle/);
  });
});

describe('arguments', () => {
  test('--config must be an object with both endpoints', () => {
    assert.deepEqual(parseConfig(JSON.stringify(CONFIG)), CONFIG);
    assert.throws(() => parseConfig('{'), /not JSON/);
    assert.throws(() => parseConfig('[]'), /JSON object/);
    assert.throws(() => parseConfig('{"httpEndpoint": "http://x"}'), /wsEndpoint/);
    assert.throws(() => parseConfig('{"httpEndpoint": "x", "wsEndpoint": "ws://x"}'), /httpEndpoint/);
  });

  test('flags in both spellings; unknown ones are refused', () => {
    const json = JSON.stringify(CONFIG);
    assert.deepEqual(parseArgs(['--config', json]).config, CONFIG);
    assert.deepEqual(parseArgs([`--config=${json}`]).config, CONFIG);
    assert.equal(parseArgs(['--out', '/tmp/x']).out, '/tmp/x');
    assert.equal(parseArgs([]).config, null);
    assert.throws(() => parseArgs(['--config']), /needs a value/);
    assert.throws(() => parseArgs(['--minify']), /unknown argument/);
  });
});

describe('the command', () => {
  const run = (...args) => spawnSync(process.execPath, [join(dashboard, 'build.mjs'), ...args], { encoding: 'utf8' });

  test('prints every file and the total, and exits 0 under budget', () => {
    const result = run('--out', join(work, 'cli'));
    assert.equal(result.status, 0, result.stderr);
    for (const name of ['index.html', 'dashboard.min.js', 'dashboard.css', 'uPlot.iife.min.js', 'uPlot.min.css']) {
      assert.match(result.stdout, new RegExp(`${name.replace(/\./g, '\\.')}\\s+\\d+ bytes\\s+\\d+ gzipped`));
    }
    assert.match(result.stdout, /^total\s+\d+ gzipped \([\d.]+ KB of 60\.0 KB\)$/m);
  });

  test('exits non-zero, saying why, when over budget', () => {
    // A copy of the dashboard whose page is padded past the budget with incompressible bytes, in a
    // folder that links the repo's node_modules, so terser and uplot are found as in the repo.
    const repo = join(work, 'heavy');
    mkdirSync(repo);
    symlinkSync(join(dirname(dashboard), 'node_modules'), join(repo, 'node_modules'));
    cpSync(dashboard, join(repo, 'dashboard'), { recursive: true });
    const html = readFileSync(join(repo, 'dashboard', 'index.html'), 'utf8');
    let noise = '';
    let seed = 1;
    while (noise.length < BUDGET * 2) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      noise += seed.toString(36);
    }
    writeFileSync(join(repo, 'dashboard', 'index.html'), html.replace('</body>', `<!-- ${noise} -->\n</body>`));
    const result = spawnSync(process.execPath, [join(repo, 'dashboard', 'build.mjs'), '--out', join(work, 'heavy-out')], { encoding: 'utf8' });
    assert.equal(result.status, 1, result.stdout + result.stderr);
    assert.match(result.stderr, /over the 61440 byte budget/);
  });

  test('a bad --config exits 2 with a message', () => {
    const result = run('--config', 'nope', '--out', join(work, 'bad'));
    assert.equal(result.status, 2);
    assert.match(result.stderr, /--config is not JSON/);
  });
});
