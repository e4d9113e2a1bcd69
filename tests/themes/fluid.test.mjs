// Fluid 1.9 from npm: containers hidden inline (style="display: none"); the script URL is
// `static_prefix.busuanzi` + "busuanzi.pure.mini.js". Fluid has no pjax.
import { everywhere, PAGES } from './blog_pages.mjs';
import { describeTheme } from './theme_checks.mjs';

describeTheme({ name: 'Hexo + Fluid 1.9', site: 'fluid', pages: PAGES, slots: everywhere('page_pv') });
