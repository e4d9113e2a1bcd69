// The recipes a blogger follows, read from the documentation itself: README.md's section "### Try it on
// your own blog" and docs/themes.md. The builders apply exactly these blocks, so a recipe that stops
// working fails the themes tier instead of misleading a reader.
//
// A recipe is a fenced block whose first line names what it is for and the file it goes in:
//   # NexT 8: _config.next.yml            (YAML, merged into that file's settings)
//   <!-- Hugo: layouts/partials/busuanzi.html -->   (a template, written as that file)
//   // Keep 4: scripts/viewcount.js        (a script, written as that file)
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from '../browser/helpers.mjs';

// The endpoint every recipe names: the default of ./run_local.sh. The builders swap it for the local
// stack's placeholder in the built pages, since each test's stack listens on a port of its own.
export const RECIPE_ENDPOINT = 'ws://127.0.0.1:8080';
// The same, percent-encoded, as the recipes write it where Hexo's url_for would otherwise turn `ws://`
// into `ws:/` (it decodes it again, so the page gets the plain URL).
export const RECIPE_ENDPOINT_ENCODED = encodeURIComponent(RECIPE_ENDPOINT);

const SECTION_START = '### Try it on your own blog';

export function readmeSection(readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8')) {
  const start = readme.indexOf(SECTION_START);
  if (start < 0) throw new Error(`README.md has no section "${SECTION_START}"`);
  // It ends at the next heading of level 1 to 3 outside a fenced block (YAML comments start with #).
  const lines = readme.slice(start + SECTION_START.length).split('\n');
  let fenced = false;
  const end = lines.findIndex((line) => {
    if (line.startsWith('```')) fenced = !fenced;
    return !fenced && /^#{1,3} /.test(line);
  });
  return (end < 0 ? lines : lines.slice(0, end)).join('\n');
}

// { label: { file, language, body } } for every recipe block of the text.
export function parseRecipes(markdown) {
  const recipes = {};
  for (const [, language, block] of markdown.matchAll(/^```(\w*)\n([\s\S]*?)^```/gm)) {
    const [first, ...lines] = block.split('\n');
    const named = /^(?:#|\/\/|<!--)\s*([^:]+?):\s*(\S+)/.exec(first);
    if (!named) continue;
    const [, label, file] = named;
    if (recipes[label]) throw new Error(`two recipes for "${label}"`);
    // A template or script keeps its first line (a comment is harmless there); YAML drops it.
    const body = language === 'yaml' ? lines.join('\n') : block;
    recipes[label] = { file, language, body };
  }
  return recipes;
}

export function allRecipes() {
  const fromReadme = parseRecipes(readmeSection());
  const fromDocs = parseRecipes(readFileSync(path.join(ROOT, 'docs', 'themes.md'), 'utf8'));
  for (const label of Object.keys(fromDocs)) {
    if (fromReadme[label]) throw new Error(`the recipe "${label}" is in both README.md and docs/themes.md`);
  }
  return { ...fromDocs, ...fromReadme };
}

export function recipe(label, recipes = allRecipes()) {
  const found = recipes[label];
  if (!found) throw new Error(`no recipe "${label}" in README.md's "${SECTION_START}" or docs/themes.md`);
  if (![RECIPE_ENDPOINT, RECIPE_ENDPOINT_ENCODED].some((endpoint) => found.body.includes(endpoint))) {
    throw new Error(`the recipe "${label}" does not name ${RECIPE_ENDPOINT}`);
  }
  return found;
}
