// The recipes a blogger follows, read from the documentation itself: docs/themes.md. The builders
// apply exactly these blocks, so a recipe that stops working fails the themes tier instead of
// misleading a reader.
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

const RECIPES_PAGE = path.join('docs', 'themes.md');

// { label: { file, language, body } } for every recipe block of the text.
export function parseRecipes(markdown) {
  const recipes = {};
  for (const [, language, block] of markdown.matchAll(/^```(\w*)\n([\s\S]*?)^```/gm)) {
    const [first, ...lines] = block.split('\n');
    const named = /^(?:#|\/\/|<!--)\s*([^:]+?):\s*(\S+)/.exec(first);
    if (!named) continue;
    const [, label, file] = named;
    if (recipes[label]) throw new Error(`two recipes for "${label}" in one page`);
    // A template or script keeps its first line (a comment is harmless there); YAML drops it.
    const body = language === 'yaml' ? lines.join('\n') : block;
    recipes[label] = { file, language, body };
  }
  return recipes;
}

export function allRecipes(page = readFileSync(path.join(ROOT, RECIPES_PAGE), 'utf8')) {
  const recipes = parseRecipes(page);
  if (Object.keys(recipes).length === 0) throw new Error(`${RECIPES_PAGE} has no recipe blocks`);
  return recipes;
}

export function recipe(label, recipes = allRecipes()) {
  const found = recipes[label];
  if (!found) throw new Error(`no recipe "${label}" in ${RECIPES_PAGE}`);
  if (![RECIPE_ENDPOINT, RECIPE_ENDPOINT_ENCODED].some((endpoint) => found.body.includes(endpoint))) {
    throw new Error(`the recipe "${label}" does not name ${RECIPE_ENDPOINT}`);
  }
  return found;
}
