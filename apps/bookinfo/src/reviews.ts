// reviews-v1/v2/v3: the versions Istio's routing tasks shift traffic between. v1 shows no stars
// and never calls ratings; v2 calls ratings and shows black stars; v3 red ones. Every answer says
// which version served it, so routing can be seen at a glance.
import { forwardedHeaders, REVIEWS_FORWARDED_HEADERS } from './forwarded-headers.js';
import { json, type Route } from './http-service.js';
import { productId } from './product-id.js';
import type { CallPolicy, UpstreamClient } from './upstream-client.js';

export const RATINGS_UNAVAILABLE = 'Ratings service is currently unavailable';

const REVIEWS = [
  {
    reviewer: 'Reviewer1',
    text: 'An extremely entertaining play by Shakespeare. The slapstick humour is refreshing!',
  },
  {
    reviewer: 'Reviewer2',
    text: 'Absolutely fun and entertaining. The play lacks thematic depth when compared to other plays by Shakespeare.',
  },
] as const;

const STAR_COLOR: Readonly<Record<string, string>> = { v2: 'black', v3: 'red' };

/**
 * How long each version waits for ratings; no retry. From Istio's reviews
 * (LibertyRestEndpoint.java: `Integer timeout = star_color.equals("black") ? 10000 : 2500;`):
 * v2 (black stars) waits 10 s, v3 (red) 2.5 s, as Istio's fault-injection task says ("reviews:v3
 * ... reduces the reviews to ratings service timeout from 10s to 2.5s").
 */
export const RATINGS_CALLS: Readonly<Record<string, CallPolicy>> = {
  v2: { timeoutMs: 10_000, retries: 0 },
  v3: { timeoutMs: 2_500, retries: 0 },
};

export interface ReviewsOptions {
  readonly version: string;
  /** Needed by v2 and v3 only. */
  readonly upstream?: UpstreamClient;
  /** Overrides of RATINGS_CALLS by version, for tests that cannot wait seconds. */
  readonly ratingsCalls?: Readonly<Record<string, CallPolicy>>;
}

export type Rating = { stars: number; color: string } | { error: string };

export interface Review {
  reviewer: string;
  text: string;
  rating?: Rating;
}

export function reviewsRoutes(options: ReviewsOptions): Route[] {
  const color = STAR_COLOR[options.version];
  const upstream = options.upstream;
  if (color !== undefined && !upstream) {
    throw new Error(`reviews ${options.version} calls ratings: it needs an upstream client`);
  }
  const ratingsCall = options.ratingsCalls?.[options.version] ?? RATINGS_CALLS[options.version];
  if (color !== undefined && !ratingsCall) {
    throw new Error(`reviews ${options.version}: no timeout for its ratings call`);
  }
  return [
    {
      method: 'GET',
      path: '/reviews/:id',
      handle: async (req) => {
        const id = productId(req.params['id']);
        let reviews: Review[] = REVIEWS.map((r) => ({ ...r }));
        if (color !== undefined && upstream && ratingsCall) {
          const result = await upstream.getJson(
            'ratings',
            `/ratings/${id}`,
            forwardedHeaders(req.headers, REVIEWS_FORWARDED_HEADERS),
            ratingsCall,
          );
          const stars = result.ok ? starsByReviewer(result.body) : {};
          reviews = reviews.map((r) => ({ ...r, rating: ratingOf(stars[r.reviewer], color) }));
        }
        return json(200, {
          id,
          podname: `reviews-${options.version}`,
          clustername: 'null',
          version: options.version,
          reviews,
        });
      },
    },
  ];
}

function ratingOf(stars: number | undefined, color: string): Rating {
  // A reviewer the ratings answer does not rate gets the same error as a failed call, as in
  // Bookinfo's reviews.
  return stars === undefined ? { error: RATINGS_UNAVAILABLE } : { stars, color };
}

function starsByReviewer(body: unknown): Record<string, number> {
  const ratings = (body as { ratings?: unknown } | null)?.ratings;
  const out: Record<string, number> = {};
  if (typeof ratings !== 'object' || ratings === null) return out;
  for (const [reviewer, stars] of Object.entries(ratings)) {
    if (Number.isInteger(stars) && stars >= 0 && stars <= 5) out[reviewer] = stars as number;
  }
  return out;
}
