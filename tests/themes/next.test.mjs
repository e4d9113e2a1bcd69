// NexT 8 from npm: containers hidden by its stylesheet, busuanzi's script swapped by `vendors.busuanzi`.
import { everywhere, NEXT_POST, PAGES } from './blog_pages.mjs';
import { describeTheme } from './theme_checks.mjs';

describeTheme({ name: 'Hexo + NexT 8', site: 'next', pjaxSite: 'next-pjax', pages: PAGES, secondPost: NEXT_POST, slots: everywhere('page_pv') });
