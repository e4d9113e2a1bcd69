// Screenshot of a real theme (Hexo + NexT 8 from npm) with its busuanzi counters filled by Viewcount,
// for README.md. Run after the themes tier installed its packages (./test.sh --tier themes):
//   node tools/theme_screenshot.mjs [out.png]     default docs/images/next-counts.png
// It builds the NexT blog with docs/themes.md's recipe, serves it with the local stack, reads a post as a
// person would (a few views first, so the numbers are not all 1) and saves the top of the post.
import path from 'node:path';
import { launchBrowser, LocalStack, ROOT } from '../tests/browser/helpers.mjs';
import { build, sitePublic } from '../tests/themes/build.mjs';
import { offlineContext, waitForVisibleCounts } from '../tests/themes/theme_checks.mjs';

const out = path.resolve(process.argv[2] ?? path.join(ROOT, 'docs', 'images', 'next-counts.png'));
const POST = '/2026/11/28/live-numbers/';

await build(['next']);
const stack = new LocalStack();
const browser = await launchBrowser();
try {
  await stack.start('--reset', '--site', `blog=${sitePublic('next')}`);
  const context = await offlineContext(browser, { viewport: { width: 1100, height: 760 } });
  const tab = await context.newPage();
  for (const pathname of ['/', '/archives/', POST, POST]) {
    await tab.goto(stack.url(pathname));
    await waitForVisibleCounts(tab, { required: ['site_pv', 'site_uv'] });
  }
  await tab.goto(stack.url(POST));
  const counts = await waitForVisibleCounts(tab, { required: ['page_pv', 'site_pv', 'site_uv'] });
  // The post's title with its views, and the footer's site counts, in one picture.
  await tab.addStyleTag({ content: '.post-body { display: none !important; } .main { min-height: 0 !important; }' });
  await tab.screenshot({ path: out, fullPage: true });
  console.log(`saved ${path.relative(process.cwd(), out)}: ${JSON.stringify(counts)}`);
  await context.close();
} finally {
  await browser.close();
  await stack.dispose();
}
