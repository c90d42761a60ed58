/**
 * The page's icon, bundled (nothing is fetched from elsewhere): a flame on the hearth's warm square.
 * Served as `/favicon.svg` (the page declares it) and at `/favicon.ico`, which browsers ask for on
 * their own; every current browser draws an SVG icon from either.
 */
export const FAVICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="7" fill="#7c2d12"/><path d="M16 5c1 4 6 7 6 13a6 6 0 0 1-12 0c0-3 2-5 3-6 0 2 1 3 2 3 0-4-1-7 1-10z" fill="#fb923c"/><path d="M16 15c1 2 3 3 3 6a3 3 0 0 1-6 0c0-2 2-3 3-6z" fill="#fde68a"/></svg>`;
