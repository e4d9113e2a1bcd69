// Butterfly 5 from npm: no containers; the aside's site card and the post header's page views start as
// spinners inside the value spans. Its script URL is `CDN.option.busuanzi`.
import { NEXT_POST, PAGES } from './blog_pages.mjs';
import { describeTheme } from './theme_checks.mjs';

const SITE = ['site_pv', 'site_uv'];
describeTheme({
  name: 'Hexo + Butterfly 5',
  site: 'butterfly',
  pjaxSite: 'butterfly-pjax',
  pages: PAGES,
  secondPost: NEXT_POST,
  // Butterfly's aside on a post holds the table of contents, not the site card.
  slots: { home: SITE, post: ['page_pv'], tag: SITE, archive: SITE, category: SITE, about: SITE },
});
