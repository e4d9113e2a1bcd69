// Build the dashboard into dist/dashboard/ and enforce its gzip size budget.
// Usage (from the repo root):
//   node dashboard/build.mjs [--config '{"httpEndpoint": "...", "wsEndpoint": "..."}'] [--out DIR]
// config.json is written only with --config: the local stack and the CDK stack write their own.
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { minify } from 'terser';

const here = dirname(fileURLToPath(import.meta.url));
const root = dirname(here);
export const BUDGET = 61440; // bytes, gzipped, every file of dist/dashboard/ together
export const DEFAULT_OUT = join(root, 'dist', 'dashboard');
const UPLOT = join(root, 'node_modules', 'uplot');

export const gzipSize = (data) => gzipSync(Buffer.from(data), { level: 9 }).length;

const IMPORT_RE = /^import\s*\{[^}]*\}\s*from\s*'\.\/logic\.mjs';[ \t]*$/m;

// One module from two: terser does not follow imports, and one file is one request. logic.mjs
// keeps its names at top level, so dashboard.js reads them as it read its imports.
export function bundleSources(logicSource, appSource) {
  if (!IMPORT_RE.test(appSource)) {
    throw new Error("dashboard.js must import logic.mjs in one statement: import { ... } from './logic.mjs';");
  }
  const app = appSource.replace(IMPORT_RE, '');
  const logic = logicSource.replace(/^export\s+(?=(async\s+)?(function|const|let|class)\b)/gm, '');
  for (const [name, text] of [['logic.mjs', logic], ['dashboard.js', app]]) {
    const left = /^\s*(import|export)\b.*$/m.exec(text);
    if (left) throw new Error(`${name}: cannot bundle this statement, keep to the shapes build.mjs knows: ${left[0].trim()}`);
  }
  return `${logic}\n${app}`;
}

export function parseConfig(text) {
  let config;
  try {
    config = JSON.parse(text);
  } catch (err) {
    throw new Error(`--config is not JSON: ${err.message}`);
  }
  if (!config || typeof config !== 'object' || Array.isArray(config)) throw new Error('--config must be a JSON object');
  for (const field of ['httpEndpoint', 'wsEndpoint']) {
    if (typeof config[field] !== 'string' || !/^(https?|wss?):\/\//.test(config[field])) {
      throw new Error(`--config needs ${field}, a URL (e.g. {"httpEndpoint": "http://127.0.0.1:8082", "wsEndpoint": "ws://127.0.0.1:8080"})`);
    }
  }
  return config;
}

// Writes the dashboard into `out` (emptied first, so no stale config.json survives) and
// returns each file's size and gzipped size.
export async function buildDashboard({ out = DEFAULT_OUT, config = null } = {}) {
  const read = (name) => readFileSync(join(here, name), 'utf8');
  const html = read('index.html');
  const bundle = bundleSources(read('logic.mjs'), read('dashboard.js'));
  const minified = await minify(bundle, {
    ecma: 2020,
    module: true,
    mangle: true,
    compress: { passes: 2 },
    format: { ascii_only: true, comments: false },
  });
  const files = {
    'index.html': html,
    'dashboard.min.js': `${minified.code}\n`,
    'dashboard.css': read('dashboard.css'),
  };
  const copied = {
    'uPlot.iife.min.js': join(UPLOT, 'dist', 'uPlot.iife.min.js'),
    'uPlot.min.css': join(UPLOT, 'dist', 'uPlot.min.css'),
    // uPlot is MIT: its notice travels with the copy.
    'uPlot.LICENSE.txt': join(UPLOT, 'LICENSE'),
  };
  for (const [name, path] of Object.entries(copied)) {
    try {
      files[name] = readFileSync(path);
    } catch {
      throw new Error(`${relative(root, path)} is missing: run npm ci (uplot is a devDependency)`);
    }
  }
  for (const name of ['dashboard.min.js', 'dashboard.css', 'uPlot.iife.min.js', 'uPlot.min.css']) {
    if (!html.includes(`"${name}"`)) throw new Error(`index.html does not load ${name}`);
  }
  if (config) files['config.json'] = `${JSON.stringify(config, null, 2)}\n`;

  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const sizes = [];
  for (const [name, data] of Object.entries(files)) {
    writeFileSync(join(out, name), data);
    sizes.push({ name, bytes: Buffer.byteLength(data), gzip: gzipSize(data) });
  }
  return { out, sizes, total: sizes.reduce((sum, f) => sum + f.gzip, 0) };
}

export function parseArgs(argv) {
  const options = { out: DEFAULT_OUT, config: null };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    const value = () => {
      if (inline !== undefined) return inline;
      if (i + 1 >= argv.length) throw new Error(`${flag} needs a value`);
      return argv[++i];
    };
    if (flag === '--config') options.config = parseConfig(value());
    else if (flag === '--out') options.out = resolve(value());
    else throw new Error(`unknown argument '${argv[i]}' (usage: node dashboard/build.mjs [--config JSON] [--out DIR])`);
  }
  return options;
}

const kb = (n) => `${(n / 1024).toFixed(1)} KB`;

async function main() {
  let options;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (err) {
    console.error(`dashboard/build.mjs: ${err.message}`);
    process.exit(2);
  }
  const { out, sizes, total } = await buildDashboard(options);
  const where = relative(process.cwd(), out) || '.';
  for (const { name, bytes, gzip } of sizes) {
    console.log(`${join(where, name).padEnd(40)} ${String(bytes).padStart(7)} bytes ${String(gzip).padStart(7)} gzipped`);
  }
  console.log(`${'total'.padEnd(40)} ${' '.repeat(13)} ${String(total).padStart(7)} gzipped (${kb(total)} of ${kb(BUDGET)})`);
  if (total > BUDGET) {
    console.error(`dashboard/build.mjs: the dashboard is ${total} bytes gzipped, over the ${BUDGET} byte budget (60 KB)`);
    process.exit(1);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err) => {
    console.error(`dashboard/build.mjs: ${err.message}`);
    process.exit(1);
  });
}
