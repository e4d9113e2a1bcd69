// Hugo (Debian's) with the tests' own theme: site containers hidden inline, the post's page_pv container
// by the stylesheet and its page_uv container by the hidden attribute; page_pv filled by class.
import { everywhere, PAGES } from './blog_pages.mjs';
import { describeTheme } from './theme_checks.mjs';

describeTheme({ name: 'Hugo', site: 'hugo', pages: PAGES, slots: everywhere('page_pv', 'page_uv') });
