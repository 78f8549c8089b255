// productpage-v1: the page a person opens. It calls details, then reviews (and ratings for its
// ratings API), forwards trace headers, and turns its session into `end-user` on every call, which
// is what the request-routing task matches on. Its timeouts and retry are part of the doc tasks,
// so they copy Bookinfo's productpage.py (`for _ in range(2)`: 3 s per attempt, and any failure,
// a non-200 answer included, is tried once more). With a 7 s delay injected on ratings, reviews
// answers after 7 s, so productpage gives up after two 3 s attempts (~6 s) and shows the
// reviews-unavailable message. With a 0.5 s route timeout on reviews, the sidecar answers 504
// after 0.5 s, productpage asks again, and the page comes back in about 1 s, not 0.5 s, as the
// request-timeouts task says it does.
import { forwardedHeaders } from './forwarded-headers.js';
import {
  html,
  json,
  redirect,
  RequestError,
  type Route,
  type ServiceRequest,
} from './http-service.js';
import {
  DETAILS_UNAVAILABLE,
  REVIEWS_UNAVAILABLE,
  renderIndex,
  renderProductPage,
  STYLESHEET,
  type Details,
  type Product,
  type ReviewsView,
  type ReviewView,
} from './render.js';
import { clearedSessionCookie, isValidUsername, sessionCookie, sessionUser } from './session.js';
import type { CallPolicy, CallResult, UpstreamClient } from './upstream-client.js';

export const RATINGS_UNAVAILABLE_FOR_BOOK =
  'Sorry, product ratings are currently unavailable for this book.';

export const PRODUCTS: readonly Product[] = [
  {
    id: 0,
    title: 'The Comedy of Errors',
    descriptionHtml:
      '<a href="https://en.wikipedia.org/wiki/The_Comedy_of_Errors">Wikipedia Summary</a>: The Comedy of Errors is one of <b>William Shakespeare\'s</b> early plays. It is his shortest and one of his most farcical comedies, with a major part of the humour coming from slapstick and mistaken identity, in addition to puns and word play.',
  },
];

/**
 * 3 s per attempt and one retry on any failure for reviews; details and ratings once, as
 * productpage.py calls them.
 */
export const DEFAULT_CALLS = {
  details: { timeoutMs: 3000, retries: 0 },
  reviews: { timeoutMs: 3000, retries: 1 },
  ratings: { timeoutMs: 3000, retries: 0 },
} as const satisfies Record<string, CallPolicy>;

export interface ProductpageOptions {
  readonly upstream: UpstreamClient;
  /** Overrides of DEFAULT_CALLS, for tests that cannot wait seconds. */
  readonly calls?: Partial<Record<keyof typeof DEFAULT_CALLS, CallPolicy>>;
}

export function productpageRoutes(options: ProductpageOptions): Route[] {
  const { upstream } = options;
  const calls = { ...DEFAULT_CALLS, ...options.calls };

  const call = (req: ServiceRequest, service: keyof typeof DEFAULT_CALLS, path: string) =>
    upstream.getJson(service, path, outboundHeaders(req), calls[service]);

  const getDetails = async (req: ServiceRequest, id: string) => {
    const result = await call(req, 'details', `/details/${encodeURIComponent(id)}`);
    return { result, details: result.ok ? asDetails(result.body) : undefined };
  };
  const getReviews = async (req: ServiceRequest, id: string) => {
    const result = await call(req, 'reviews', `/reviews/${encodeURIComponent(id)}`);
    return { result, reviews: result.ok ? asReviews(result.body) : undefined };
  };

  return [
    { method: 'GET', path: '/', handle: () => html(200, renderIndex()) },
    {
      method: 'GET',
      path: '/productpage',
      handle: async (req) => {
        const product = PRODUCTS[0]!;
        const id = String(product.id);
        // One after the other, details first, as productpage.py's front() does: a trace shows
        // the same timeline as Istio's Bookinfo, and a slow details delays reviews there too
        // (worst case 3 s + 2 x 3 s).
        const { details } = await getDetails(req, id);
        const { reviews } = await getReviews(req, id);
        const user = sessionUser(req.headers.cookie);
        return html(
          200,
          renderProductPage({
            product,
            ...(details ? { details } : {}),
            ...(reviews ? { reviews } : {}),
            ...(user ? { user } : {}),
          }),
        );
      },
    },
    { method: 'GET', path: '/api/v1/products', handle: () => json(200, PRODUCTS) },
    {
      method: 'GET',
      path: '/api/v1/products/:id',
      handle: async (req) => {
        const { result, details } = await getDetails(req, req.params['id']!);
        return details ? json(200, details) : failure(result, DETAILS_UNAVAILABLE);
      },
    },
    {
      method: 'GET',
      path: '/api/v1/products/:id/reviews',
      handle: async (req) => {
        const { result, reviews } = await getReviews(req, req.params['id']!);
        return reviews && result.ok ? json(200, result.body) : failure(result, REVIEWS_UNAVAILABLE);
      },
    },
    {
      method: 'GET',
      path: '/api/v1/products/:id/ratings',
      handle: async (req) => {
        const result = await call(
          req,
          'ratings',
          `/ratings/${encodeURIComponent(req.params['id']!)}`,
        );
        return result.ok ? json(200, result.body) : failure(result, RATINGS_UNAVAILABLE_FOR_BOOK);
      },
    },
    {
      method: 'POST',
      path: '/login',
      handle: async (req) => {
        const username = new URLSearchParams(await req.readBody()).get('username')?.trim() ?? '';
        // An empty form signs nobody in, as a second look at the page shows.
        if (username === '') return redirect('/productpage');
        if (!isValidUsername(username)) {
          throw new RequestError(400, 'user name must be printable ASCII, at most 128 characters');
        }
        return redirect('/productpage', { 'set-cookie': sessionCookie(username) });
      },
    },
    {
      method: 'GET',
      path: '/logout',
      handle: () => redirect('/productpage', { 'set-cookie': clearedSessionCookie() }),
    },
    {
      method: 'GET',
      path: '/static/:file',
      handle: (req) =>
        req.params['file'] === 'bookinfo.css'
          ? {
              status: 200,
              headers: { 'content-type': 'text/css; charset=utf-8' },
              body: STYLESHEET,
            }
          : json(404, { error: `no such file: ${req.params['file']}` }),
    },
  ];
}

/**
 * What productpage sends on every call: the forwarded headers, and the signed-in user as
 * `end-user`. Only the session says who that is; an `end-user` the caller sent itself is not
 * forwarded (FORWARDED_HEADERS leaves it out), as in productpage.py's getForwardHeaders.
 */
function outboundHeaders(req: ServiceRequest): Record<string, string> {
  const headers = forwardedHeaders(req.headers);
  const user = sessionUser(req.headers.cookie);
  if (user) headers['end-user'] = user;
  return headers;
}

function failure(result: CallResult, message: string) {
  const status =
    !result.ok && result.status !== undefined && result.status >= 400 ? result.status : 500;
  return json(status, { error: message });
}

/** details' answer, if it is a flat object of strings and numbers. */
function asDetails(body: unknown): Details | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  const out: Record<string, string | number> = {};
  for (const [key, value] of Object.entries(body)) {
    if (typeof value === 'string' || typeof value === 'number') out[key] = value;
  }
  return out;
}

/** reviews' answer, if it has the shape Bookinfo's reviews gives; else the call counts as failed. */
function asReviews(body: unknown): ReviewsView | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const { version, podname, reviews } = body as Record<string, unknown>;
  if (!Array.isArray(reviews)) return undefined;
  const list: ReviewView[] = [];
  for (const item of reviews as unknown[]) {
    const r = item as Record<string, unknown> | null;
    if (typeof r?.['reviewer'] !== 'string' || typeof r['text'] !== 'string') return undefined;
    const rating = asRating(r['rating']);
    list.push({ reviewer: r['reviewer'], text: r['text'], ...(rating ? { rating } : {}) });
  }
  const pod = typeof podname === 'string' ? podname : 'unknown';
  return {
    // Istio's own reviews has no version field; its pod name carries it.
    version: typeof version === 'string' ? version : (/-(v\d+)\b/.exec(pod)?.[1] ?? 'unknown'),
    podname: pod,
    reviews: list,
  };
}

function asRating(value: unknown): ReviewView['rating'] {
  if (typeof value !== 'object' || value === null) return undefined;
  const { stars, color, error } = value as Record<string, unknown>;
  if (typeof error === 'string') return { error };
  if (typeof stars === 'number')
    return { stars, color: typeof color === 'string' ? color : 'black' };
  return undefined;
}
