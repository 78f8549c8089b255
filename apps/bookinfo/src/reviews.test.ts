import { RATINGS_CALLS, RATINGS_UNAVAILABLE } from './reviews.js';
import type { RunningService } from './service.js';
import { TRACE_AND_AUTH_HEADERS } from './test-support/headers.js';
import { closedPort, getJson, HOST, recordingServer, startOnPort0 } from './test-support/http.js';

const TEXT1 = 'An extremely entertaining play by Shakespeare. The slapstick humour is refreshing!';
const TEXT2 =
  'Absolutely fun and entertaining. The play lacks thematic depth when compared to other plays by Shakespeare.';

describe('reviews', () => {
  let ratings: RunningService;
  const running: RunningService[] = [];
  const start = async (...args: Parameters<typeof startOnPort0>) => {
    const service = await startOnPort0(...args);
    running.push(service);
    return service;
  };

  beforeAll(async () => {
    ratings = await start({ service: 'ratings', version: 'v1' });
  });
  afterAll(() => Promise.all(running.map((s) => s.close())));

  it('v1 answers two reviews without ratings and never calls ratings', async () => {
    const spy = await recordingServer();
    try {
      const v1 = await start(
        { service: 'reviews', version: 'v1' },
        { services: `ratings=${HOST}:${spy.port}` },
      );
      expect(await getJson(v1.port, '/reviews/0')).toEqual({
        status: 200,
        body: {
          id: 0,
          podname: 'reviews-v1',
          clustername: 'null',
          version: 'v1',
          reviews: [
            { reviewer: 'Reviewer1', text: TEXT1 },
            { reviewer: 'Reviewer2', text: TEXT2 },
          ],
        },
      });
      expect(spy.requests).toEqual([]);
    } finally {
      await spy.close();
    }
  });

  it.each([
    ['v2', 'black'],
    ['v3', 'red'],
  ])('%s adds the stars of ratings in %s', async (version, color) => {
    const reviews = await start(
      { service: 'reviews', version },
      { services: `ratings=${HOST}:${ratings.port}` },
    );
    const { status, body } = await getJson(reviews.port, '/reviews/0');
    expect(status).toBe(200);
    expect(body).toMatchObject({ podname: `reviews-${version}`, version });
    expect((body as { reviews: unknown }).reviews).toEqual([
      { reviewer: 'Reviewer1', text: TEXT1, rating: { stars: 5, color } },
      { reviewer: 'Reviewer2', text: TEXT2, rating: { stars: 4, color } },
    ]);
  });

  it('v2 still answers 200 when ratings is down, each review saying ratings is unavailable', async () => {
    const reviews = await start(
      { service: 'reviews', version: 'v2' },
      { services: `ratings=${HOST}:${await closedPort()}` },
    );
    const { status, body } = await getJson(reviews.port, '/reviews/0');
    expect(status).toBe(200);
    expect((body as { reviews: { rating: unknown }[] }).reviews.map((r) => r.rating)).toEqual([
      { error: RATINGS_UNAVAILABLE },
      { error: RATINGS_UNAVAILABLE },
    ]);
  });

  it('v3 treats a 500 from ratings, and a ratings that hangs past the timeout, as unavailable', async () => {
    const failing = await recordingServer((_req, res) =>
      res.writeHead(500).end('fault filter abort'),
    );
    const hanging = await recordingServer(() => {});
    try {
      for (const port of [failing.port, hanging.port]) {
        const reviews = await start(
          { service: 'reviews', version: 'v3' },
          { services: `ratings=${HOST}:${port}` },
          { ratingsCalls: { v3: { timeoutMs: 200, retries: 0 } } },
        );
        const { status, body } = await getJson(reviews.port, '/reviews/0');
        expect(status).toBe(200);
        expect(JSON.stringify(body)).toContain(RATINGS_UNAVAILABLE);
      }
      // No retry: Bookinfo's reviews calls ratings once.
      expect([failing.requests.length, hanging.requests.length]).toEqual([1, 1]);
    } finally {
      await Promise.all([failing.close(), hanging.close()]);
    }
  });

  it("waits for ratings 10 s in v2 and 2.5 s in v3, without retry, as Istio's reviews", () => {
    expect(RATINGS_CALLS).toEqual({
      v2: { timeoutMs: 10_000, retries: 0 },
      v3: { timeoutMs: 2_500, retries: 0 },
    });
  });

  it('v3 gives up on a hanging ratings after its own, shorter timeout; v2 waits longer', async () => {
    const hanging = await recordingServer(() => {});
    try {
      // 4 to 1 as the defaults, both handed to both versions: each must pick its own.
      const ratingsCalls = {
        v2: { timeoutMs: 800, retries: 0 },
        v3: { timeoutMs: 200, retries: 0 },
      };
      const timed = async (version: string) => {
        const reviews = await start(
          { service: 'reviews', version },
          { services: `ratings=${HOST}:${hanging.port}` },
          { ratingsCalls },
        );
        const started = Date.now();
        const { status, body } = await getJson(reviews.port, '/reviews/0');
        const ratings = (body as { reviews: { rating: unknown }[] }).reviews.map((r) => r.rating);
        return { status, ratings, ms: Date.now() - started };
      };
      const [v2, v3] = await Promise.all([timed('v2'), timed('v3')]);
      const unavailable = [{ error: RATINGS_UNAVAILABLE }, { error: RATINGS_UNAVAILABLE }];
      expect(v3).toMatchObject({ status: 200, ratings: unavailable });
      expect(v3.ms).toBeGreaterThanOrEqual(190);
      expect(v3.ms).toBeLessThan(700);
      expect(v2).toMatchObject({ status: 200, ratings: unavailable });
      expect(v2.ms).toBeGreaterThanOrEqual(790);
      expect(hanging.requests).toHaveLength(2);
    } finally {
      await hanging.close();
    }
  });

  it('forwards trace and auth headers and end-user to ratings, but not the cookie', async () => {
    const spy = await recordingServer((_req, res) =>
      res.writeHead(200).end('{"id":0,"ratings":{"Reviewer1":1,"Reviewer2":2}}'),
    );
    try {
      const reviews = await start(
        { service: 'reviews', version: 'v2' },
        { services: `ratings=${HOST}:${spy.port}` },
      );
      const { body } = await getJson(reviews.port, '/reviews/3', {
        ...TRACE_AND_AUTH_HEADERS,
        'end-user': 'jason',
        cookie: 'session=jason',
      });
      expect(JSON.stringify(body)).toContain('"stars":1');
      expect(spy.requests).toHaveLength(1);
      const [call] = spy.requests;
      expect(call!.url).toBe('/ratings/3');
      expect(call!.headers).toMatchObject({
        ...TRACE_AND_AUTH_HEADERS,
        host: 'ratings:9080',
        'end-user': 'jason',
      });
      expect(call!.headers.cookie).toBeUndefined();
    } finally {
      await spy.close();
    }
  });

  it('refuses a non-numeric id with 400', async () => {
    const v1 = await start({ service: 'reviews', version: 'v1' });
    expect((await getJson(v1.port, '/reviews/zero')).status).toBe(400);
  });
});
