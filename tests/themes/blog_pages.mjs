// The pages of the test blogs: every builder (Hexo, Hugo, Jekyll) gives the same paths.
export const PAGES = {
  home: '/',
  post: '/2026/11/28/live-numbers/',
  tag: '/tags/counters/',
  archive: '/archives/',
  category: '/categories/notes/',
  about: '/about/',
};
// The post after PAGES.post, linked from it (the themes' "next post"): where a pjax click goes.
export const NEXT_POST = '/2026/11/29/quiet-reader/';

const SITE = ['site_pv', 'site_uv'];
// Site counters on every kind of page, and these on posts.
export const everywhere = (...onPosts) => ({
  home: SITE, post: [...SITE, ...onPosts], tag: SITE, archive: SITE, category: SITE, about: SITE,
});
