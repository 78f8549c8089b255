// productpage's HTML, from values already checked at the service boundary. Pure: no I/O, so the
// markup that tests and people read routing from (data-reviews-version, star colour) is pinned
// by plain unit tests. Everything that came from another service or the user is escaped.

export const DETAILS_UNAVAILABLE =
  'Sorry, product details are currently unavailable for this book.';
export const REVIEWS_UNAVAILABLE =
  'Sorry, product reviews are currently unavailable for this book.';

export interface Product {
  readonly id: number;
  readonly title: string;
  readonly descriptionHtml: string;
}

export type Details = Readonly<Record<string, string | number>>;

export interface ReviewView {
  readonly reviewer: string;
  readonly text: string;
  readonly rating?: { readonly stars: number; readonly color: string } | { readonly error: string };
}

export interface ReviewsView {
  readonly version: string;
  readonly podname: string;
  readonly reviews: readonly ReviewView[];
}

export interface PageModel {
  readonly product: Product;
  /** undefined: the details call failed. */
  readonly details?: Details;
  /** undefined: the reviews call failed. */
  readonly reviews?: ReviewsView;
  readonly user?: string;
}

export const STYLESHEET = `body { font-family: sans-serif; margin: 0; }
nav { background: #222; color: #eee; padding: 0.5em 1em; display: flex; gap: 1em; align-items: center; }
nav a { color: #eee; }
main { padding: 1em; display: grid; grid-template-columns: 1fr 1fr; gap: 2em; }
.summary, h1 { grid-column: 1 / -1; }
blockquote { border-left: 3px solid #ccc; margin: 1em 0; padding-left: 1em; }
.stars { font-size: 1.3em; }
.error { color: #a00; }
`;

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function renderProductPage(model: PageModel): string {
  const title = escapeHtml(model.product.title);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Simple Bookstore App</title>
<link rel="stylesheet" href="/static/bookinfo.css">
</head>
<body>
${renderNav(model.user)}
<main>
<h1>${title}</h1>
<p class="summary">${model.product.descriptionHtml}</p>
${renderDetails(model.details)}
${renderReviews(model.reviews)}
</main>
</body>
</html>
`;
}

export function renderIndex(): string {
  return `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Simple Bookstore App</title>
<link rel="stylesheet" href="/static/bookinfo.css"></head>
<body>
<main>
<h1>Hello! This is a simple bookstore application.</h1>
<p>It is made of four services: productpage, details, reviews (three versions) and ratings.</p>
<p><a href="/productpage?u=normal">Normal user</a> | <a href="/productpage?u=test">Test user</a></p>
</main>
</body>
</html>
`;
}

function renderNav(user: string | undefined): string {
  const session = user
    ? `<span class="user">Signed in as ${escapeHtml(user)}</span> <a href="/logout">Sign out</a>`
    : `<form class="login" method="post" action="/login">
<input type="text" name="username" placeholder="User Name">
<input type="password" name="passwd" placeholder="Password">
<button type="submit">Sign in</button>
</form>`;
  return `<nav><a class="brand" href="/productpage">BookInfo Sample</a>
${session}
</nav>`;
}

const DETAIL_ROWS: readonly (readonly [string, string])[] = [
  ['author', 'Author'],
  ['year', 'Year'],
  ['type', 'Type'],
  ['pages', 'Pages'],
  ['publisher', 'Publisher'],
  ['language', 'Language'],
  ['ISBN-10', 'ISBN-10'],
  ['ISBN-13', 'ISBN-13'],
];

function renderDetails(details: Details | undefined): string {
  if (!details) {
    return `<section class="details">
<h2 class="error">Error fetching product details!</h2>
<p>${DETAILS_UNAVAILABLE}</p>
</section>`;
  }
  const rows = DETAIL_ROWS.filter(([key]) => details[key] !== undefined)
    .map(([key, label]) => `<dt>${label}:</dt><dd>${escapeHtml(String(details[key]))}</dd>`)
    .join('\n');
  return `<section class="details">
<h2>Book Details</h2>
<dl>
${rows}
</dl>
</section>`;
}

function renderReviews(view: ReviewsView | undefined): string {
  if (!view) {
    return `<section class="reviews" data-reviews-version="none">
<h2 class="error">Error fetching product reviews!</h2>
<p>${REVIEWS_UNAVAILABLE}</p>
</section>`;
  }
  const reviews = view.reviews
    .map(
      (r) => `<blockquote>
<p>${escapeHtml(r.text)}</p>
<small>${escapeHtml(r.reviewer)}</small>
${renderRating(r.rating)}
</blockquote>`,
    )
    .join('\n');
  return `<section class="reviews" data-reviews-version="${escapeHtml(view.version)}">
<h2>Book Reviews</h2>
${reviews}
<dl><dt>Reviews served by:</dt><dd>${escapeHtml(view.podname)}</dd></dl>
</section>`;
}

function renderRating(rating: ReviewView['rating']): string {
  if (!rating) return '';
  if ('error' in rating) return `<p class="error"><i>${escapeHtml(rating.error)}</i></p>`;
  const full = Math.max(0, Math.min(5, Math.round(rating.stars)));
  // The colour lands in a style attribute: only a plain colour name may pass.
  const color = /^[a-z]{1,20}$/.test(rating.color) ? rating.color : 'black';
  return `<span class="stars" style="color:${color}">${'★'.repeat(full)}${'☆'.repeat(5 - full)}</span>`;
}
