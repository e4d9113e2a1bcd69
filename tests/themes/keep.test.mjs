// Keep 4 from npm: no busuanzi_container_* at all. It wraps each value in an element of its own, hides
// that with its stylesheet, and shows it from its own script once busuanzi's script has loaded and
// filled a value. Keep has no setting for the script's URL: a site script injects Viewcount's.
import { everywhere, PAGES } from './blog_pages.mjs';
import { describeTheme } from './theme_checks.mjs';

describeTheme({ name: 'Hexo + Keep 4', site: 'keep', pages: PAGES, slots: everywhere('page_pv') });
