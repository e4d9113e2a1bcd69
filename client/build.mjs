// Minify the Viewcount client into client/dist/ and enforce the gzip size budget.
// Usage (from the repo root): node client/build.mjs
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { minify } from 'terser';

const here = dirname(fileURLToPath(import.meta.url));
export const BUDGET = 2560; // bytes, gzipped viewcount.min.js

// A fresh object per call: terser writes into the options it is given (e.g. compress.module).
const terserOptions = (module = false) => ({
  ecma: 2020,
  module,
  mangle: true,
  compress: { passes: 2, global_defs: { VIEWCOUNT_MINIFIED: true } },
  format: { ascii_only: true, comments: /^!/ },
});

// Returns the minified classic script, the module entry (which imports the minified script) and the
// HTTP fallback module (which the classic script imports from beside itself when no socket opens).
export async function buildCode() {
  const classic = await minify(readFileSync(join(here, 'viewcount.js'), 'utf8'), terserOptions());
  const moduleSource = readFileSync(join(here, 'viewcount.mjs'), 'utf8').replace("'./viewcount.js'", "'./viewcount.min.js'");
  if (!moduleSource.includes('./viewcount.min.js')) throw new Error('viewcount.mjs must import ./viewcount.js');
  const esm = await minify(moduleSource, terserOptions(true));
  const http = await minify(readFileSync(join(here, 'viewcount-http.mjs'), 'utf8'), terserOptions(true));
  return { classic: classic.code + '\n', esm: esm.code + '\n', http: http.code + '\n' };
}

export const gzipSize = (code) => gzipSync(Buffer.from(code), { level: 9 }).length;

async function main() {
  const { classic, esm, http } = await buildCode();
  const dist = join(here, 'dist');
  mkdirSync(dist, { recursive: true });
  const files = { 'viewcount.min.js': classic, 'viewcount.min.mjs': esm, 'viewcount-http.min.mjs': http };
  for (const [name, code] of Object.entries(files)) {
    writeFileSync(join(dist, name), code);
    console.log(`${relative(process.cwd(), join(dist, name))}: ${code.length} bytes, ${gzipSize(code)} bytes gzipped`);
  }
  const size = gzipSize(classic);
  if (size > BUDGET) {
    console.error(`viewcount.min.js is ${size} bytes gzipped, over the ${BUDGET} byte budget`);
    process.exit(1);
  }
  console.log(`OK: ${size} / ${BUDGET} bytes gzipped`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
