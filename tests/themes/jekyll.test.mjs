// Jekyll (Debian's, no other gems) with layouts of the tests' own that carry vercount's ids.
import { everywhere, PAGES } from './blog_pages.mjs';
import { describeTheme } from './theme_checks.mjs';

describeTheme({ name: 'Jekyll (vercount ids)', site: 'jekyll', pages: PAGES, slots: everywhere('page_pv') });
