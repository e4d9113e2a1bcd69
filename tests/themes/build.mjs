// Builds the blogs the themes tier reads: Hexo 8 with NexT, Butterfly, Fluid and Keep from npm, a Hugo
// site and a Jekyll site, each with Viewcount put in busuanzi's place by the documented recipe.
//   node tests/themes/build.mjs            every site, into tests/themes/build/<site>/public
//   node tests/themes/build.mjs next fluid only these
// test.sh runs it once per run of the tier; the tests read what it left.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { allRecipes, recipe, RECIPE_ENDPOINT, RECIPE_ENDPOINT_ENCODED } from './recipes.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const BUILD = path.join(HERE, 'build');
const require = createRequire(path.join(HERE, 'package.json'));
const yaml = require('js-yaml');

// What local_stack/site.py replaces with the stack's WebSocket URL in every page it serves.
const PLACEHOLDER = '{{VIEWCOUNT_ENDPOINT}}';

// Settings that make the tests' sites, not the blogger's: the libraries pjax needs, from npm, served
// by the site itself (nothing here may wait on a CDN the machine cannot reach).
const PJAX_LIBRARIES = {
  next: { from: '@next-theme/pjax/pjax.min.js', to: 'lib/pjax.min.js' },
  butterfly: { from: 'pjax/pjax.min.js', to: 'lib/pjax.min.js' },
};

// NexT's icons (before its footer's numbers) from npm, so the screenshot shows what a reader sees.
const NEXT_ICONS = { css: '@fortawesome/fontawesome-free/css/all.min.css', to: 'lib/fontawesome' };

// Each Hexo site: the theme, the recipe that swaps busuanzi for Viewcount, and the test's own settings.
const HEXO_SITES = {
  next: { theme: 'next', recipe: 'NexT 8' },
  'next-pjax': { theme: 'next', recipe: 'NexT 8', pjax: { pjax: true, vendors: { pjax: 'lib/pjax.min.js' } } },
  butterfly: { theme: 'butterfly', recipe: 'Butterfly 5' },
  'butterfly-pjax': {
    theme: 'butterfly', recipe: 'Butterfly 5', pjax: { pjax: { enable: true }, CDN: { option: { pjax: '/lib/pjax.min.js' } } },
  },
  fluid: { theme: 'fluid', recipe: 'Fluid 1.9' },
  keep: { theme: 'keep', recipe: 'Keep 4' },
};
export const SITES = [...Object.keys(HEXO_SITES), 'hugo', 'jekyll'];

export const sitePublic = (site) => path.join(BUILD, site, 'public');

const isObject = (value) => value && typeof value === 'object' && !Array.isArray(value);

// b's settings over a's, key by key (YAML documents as a theme merges its user's config).
function merged(a, b) {
  const out = { ...a };
  for (const [key, value] of Object.entries(b ?? {})) out[key] = isObject(value) && isObject(out[key]) ? merged(out[key], value) : value;
  return out;
}

const readYaml = (file) => yaml.load(readFileSync(file, 'utf8')) ?? {};
const writeYaml = (file, value) => writeFileSync(file, yaml.dump(value, { lineWidth: -1 }));

function freshDir(site) {
  const dir = path.join(BUILD, site);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return dir;
}

async function buildHexo(site, recipes) {
  const { theme, recipe: label, pjax } = HEXO_SITES[site];
  const dir = freshDir(site);
  cpSync(path.join(HERE, 'hexo', 'source'), path.join(dir, 'source'), { recursive: true });
  // Hexo loads the plugins its site's package.json names, from the site's node_modules.
  const { dependencies } = JSON.parse(readFileSync(path.join(HERE, 'package.json'), 'utf8'));
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: `viewcount-${site}`, private: true, dependencies }, null, 2));
  symlinkSync(path.join(HERE, 'node_modules'), path.join(dir, 'node_modules'), 'dir');

  const siteConfig = merged(readYaml(path.join(HERE, 'hexo', '_config.yml')), { theme });
  const how = recipe(label, recipes);
  let themeConfig = readYaml(path.join(HERE, 'hexo', `${theme}.yml`));
  if (how.file === `_config.${theme}.yml`) themeConfig = merged(themeConfig, yaml.load(how.body));
  else if (how.file.startsWith('scripts/')) {
    // A site script (Hexo runs every file of the site's scripts/ folder), for a theme with no setting.
    mkdirSync(path.join(dir, 'scripts'), { recursive: true });
    writeFileSync(path.join(dir, how.file), how.body);
  } else throw new Error(`the recipe "${label}" names ${how.file}; the ${theme} build knows _config.${theme}.yml and scripts/`);
  if (pjax) {
    themeConfig = merged(themeConfig, pjax);
    const library = PJAX_LIBRARIES[theme];
    mkdirSync(path.dirname(path.join(dir, 'source', library.to)), { recursive: true });
    cpSync(require.resolve(library.from), path.join(dir, 'source', library.to));
  }
  if (theme === 'next') {
    const icons = path.dirname(path.dirname(require.resolve(NEXT_ICONS.css)));
    for (const part of ['css', 'webfonts']) cpSync(path.join(icons, part), path.join(dir, 'source', NEXT_ICONS.to, part), { recursive: true });
    themeConfig = merged(themeConfig, { vendors: { fontawesome: `${NEXT_ICONS.to}/css/all.min.css` } });
  }
  writeYaml(path.join(dir, '_config.yml'), siteConfig);
  writeYaml(path.join(dir, `_config.${theme}.yml`), themeConfig);

  const Hexo = require('hexo');
  const hexo = new Hexo(dir, { silent: true });
  hexo.env.init = true; // a site folder, as hexo-cli marks it: load its plugins and theme
  await hexo.init();
  await hexo.call('generate', {});
  await hexo.exit();
}

function buildHugo(recipes) {
  const dir = freshDir('hugo');
  cpSync(path.join(HERE, 'hugo'), dir, { recursive: true });
  const how = recipe('Hugo', recipes);
  mkdirSync(path.dirname(path.join(dir, how.file)), { recursive: true });
  writeFileSync(path.join(dir, how.file), how.body);
  execFileSync('hugo', ['--quiet', '--source', dir, '--destination', path.join(dir, 'public')], { stdio: 'inherit' });
}

function buildJekyll(recipes) {
  const dir = freshDir('jekyll');
  const source = path.join(dir, 'source');
  cpSync(path.join(HERE, 'jekyll'), source, { recursive: true });
  const how = recipe('Jekyll', recipes);
  writeFileSync(path.join(source, how.file), how.body);
  execFileSync('jekyll', ['build', '--quiet', '--safe', '--source', source, '--destination', path.join(dir, 'public')], {
    stdio: 'inherit',
    env: { ...process.env, JEKYLL_ENV: 'production' },
  });
}

function* htmlFiles(dir) {
  for (const entry of readdirSync(dir)) {
    const file = path.join(dir, entry);
    if (statSync(file).isDirectory()) yield* htmlFiles(file);
    else if (entry.endsWith('.html')) yield file;
  }
}

// The recipe's endpoint becomes the stack's placeholder, and every page with a counter must load
// Viewcount with it: a recipe the theme ignored (or mangled) fails the build, not a later wait.
function pointAtPlaceholder(site) {
  const pages = [...htmlFiles(sitePublic(site))];
  let withCounters = 0;
  for (const file of pages) {
    const html = readFileSync(file, 'utf8');
    if (!/(?:busuanzi|vercount)_value_/.test(html)) continue;
    withCounters += 1;
    const swapped = html.replaceAll(RECIPE_ENDPOINT, PLACEHOLDER).replaceAll(RECIPE_ENDPOINT_ENCODED, PLACEHOLDER);
    if (!/viewcount(?:\.min)?\.js\?endpoint=\{\{VIEWCOUNT_ENDPOINT\}\}/.test(swapped)) {
      throw new Error(`${site}: ${path.relative(BUILD, file)} has counters but no viewcount.js?endpoint=${RECIPE_ENDPOINT}`);
    }
    writeFileSync(file, swapped);
  }
  if (withCounters === 0) throw new Error(`${site}: no page has a counter; are the theme's busuanzi counters on?`);
}

export async function build(sites = SITES) {
  const recipes = allRecipes();
  for (const site of sites) {
    const started = Date.now();
    if (HEXO_SITES[site]) await buildHexo(site, recipes);
    else if (site === 'hugo') buildHugo(recipes);
    else if (site === 'jekyll') buildJekyll(recipes);
    else throw new Error(`no site "${site}" (sites: ${SITES.join(', ')})`);
    pointAtPlaceholder(site);
    console.error(`themes: built ${site} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
}

// The tests fail with this when the build is missing, rather than waiting on a 404.
export function requireBuilt(site) {
  if (!existsSync(path.join(sitePublic(site), 'index.html'))) {
    throw new Error(`${sitePublic(site)} is missing: run ./test.sh --tier themes (or node tests/themes/build.mjs ${site})`);
  }
  return sitePublic(site);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await build(process.argv.length > 2 ? process.argv.slice(2) : SITES);
}
