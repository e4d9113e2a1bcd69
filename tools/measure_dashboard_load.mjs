// How long the dashboard takes to show its first numbers on the local stack, in Chromium:
//   node tools/measure_dashboard_load.mjs [--runs 9]
// Needs what the browser tier needs (./test.sh --tier browser installs it). Prints the median and
// the spread of each measure; it asserts nothing (this machine is shared and noisy).
//
// Two measures, each from a fresh browser context:
// - sign-in: from pressing "Sign in" with the owner key typed to the first totals drawn;
// - return:  a remembered key (localStorage), from navigation start to the first totals drawn.
// "Drawn" is `document.body.dataset.ready`, which the page sets once the first stats answer is on it.
import { launchBrowser, humanContext, LocalStack, admin, outputLine } from '../tests/browser/helpers.mjs';

const runs = Number(process.argv[process.argv.indexOf('--runs') + 1] || 9) || 9;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const spread = (xs) => `${Math.min(...xs).toFixed(0)}-${Math.max(...xs).toFixed(0)} ms`;

const stack = new LocalStack();
const browser = await launchBrowser();
try {
  await stack.start('--reset');
  // A little to show: a few pages read once each.
  const reader = await humanContext(browser);
  for (const pathname of ['/', '/pages/about', '/posts/hello-viewcount']) {
    const page = await reader.newPage();
    await page.goto(stack.url(pathname));
    await page.waitForTimeout(300);
    await page.close();
  }
  await reader.close();
  const key = outputLine(await admin(stack, 'dashboard-url'), 'Key');

  const signIn = [];
  const returning = [];
  for (let run = 0; run < runs; run++) {
    const context = await humanContext(browser);
    const page = await context.newPage();
    await page.goto(stack.dashboardUrl);
    await page.fill('form#signin input[name=key]', key);
    const started = await page.evaluate(() => performance.now());
    await page.click('form#signin [type=submit]');
    await page.waitForFunction(() => document.body.dataset.ready === '1', null, { timeout: 15000 });
    signIn.push((await page.evaluate(() => performance.now())) - started);
    await context.close();

    const remembered = await humanContext(browser);
    await remembered.addInitScript((k) => localStorage.setItem('viewcount.dashboard.key', k), key);
    const again = await remembered.newPage();
    await again.goto(stack.dashboardUrl);
    await again.waitForFunction(() => document.body.dataset.ready === '1', null, { timeout: 15000 });
    returning.push(await again.evaluate(() => performance.now()));
    await remembered.close();
  }
  console.log(`dashboard on the local stack, ${runs} runs each (${new Date().toISOString().slice(0, 10)}):`);
  console.log(`  sign-in to first numbers:        median ${median(signIn).toFixed(0)} ms (${spread(signIn)})`);
  console.log(`  remembered key, load to numbers: median ${median(returning).toFixed(0)} ms (${spread(returning)})`);
} finally {
  await browser.close();
  await stack.dispose();
}
