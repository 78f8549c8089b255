import type { ServerResponse } from 'node:http';
import { bookDetails } from './details.js';
import { DEFAULT_CALLS } from './productpage.js';
import { DETAILS_UNAVAILABLE, REVIEWS_UNAVAILABLE } from './render.js';
import { RATINGS_UNAVAILABLE } from './reviews.js';
import type { RunningService } from './service.js';
import { sessionCookie } from './session.js';
import { TRACE_AND_AUTH_HEADERS } from './test-support/headers.js';
import {
  closedPort,
  forwardProxy,
  getJson,
  HOST,
  recordingServer,
  send,
  startOnPort0,
  type RecordingServer,
} from './test-support/http.js';

const V1_REVIEWS = {
  id: 0,
  podname: 'reviews-v1',
  clustername: 'null',
  version: 'v1',
  reviews: [
    { reviewer: 'Reviewer1', text: 'one' },
    { reviewer: 'Reviewer2', text: 'two' },
  ],
};

describe('productpage', () => {
  const running: RunningService[] = [];
  const recorders: RecordingServer[] = [];
  let details: RunningService;
  let ratings: RunningService;
  let reviewsV2: RunningService;

  const start = async (...args: Parameters<typeof startOnPort0>) => {
    const service = await startOnPort0(...args);
    running.push(service);
    return service;
  };
  const productpage = (services: string, calls?: Parameters<typeof startOnPort0>[2]) =>
    start({ service: 'productpage', version: 'v1' }, { services }, calls);
  const recorder = async (...args: Parameters<typeof recordingServer>) => {
    const server = await recordingServer(...args);
    recorders.push(server);
    return server;
  };
  const answering = (body: unknown) =>
    recorder((_req, res) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body)),
    );

  beforeAll(async () => {
    details = await start({ service: 'details', version: 'v1' });
    ratings = await start({ service: 'ratings', version: 'v1' });
    reviewsV2 = await start(
      { service: 'reviews', version: 'v2' },
      { services: `ratings=${HOST}:${ratings.port}` },
    );
  });
  afterAll(async () => {
    await Promise.all(running.map((s) => s.close()));
    await Promise.all(recorders.map((s) => s.close()));
  });

  it('renders details and reviews v2 with black stars, end to end over real services', async () => {
    const page = await productpage(
      `details=${HOST}:${details.port},reviews=${HOST}:${reviewsV2.port}`,
    );
    const answer = await send(page.port, '/productpage');
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(answer.body).toContain('The Comedy of Errors');
    expect(answer.body).toContain('<dt>Author:</dt><dd>William Shakespeare</dd>');
    expect(answer.body).toContain('<dt>ISBN-13:</dt><dd>123-1234567890</dd>');
    expect(answer.body).toContain('data-reviews-version="v2"');
    expect(answer.body).toContain('<span class="stars" style="color:black">★★★★★</span>');
    expect(answer.body).toContain('<span class="stars" style="color:black">★★★★☆</span>');
    expect(answer.body).toContain('The slapstick humour is refreshing!');
    expect(answer.body).toContain('name="username"');
    expect(answer.body).not.toContain('Sorry');
  });

  it('makes every call through the forward proxy as absolute-form requests naming the service', async () => {
    // Filled once the services behind the proxy are up; the proxy reads it on each request.
    const routes: Record<string, number> = {};
    const proxy = await forwardProxy(routes);
    recorders.push(proxy);
    const reviewsV3 = await start({ service: 'reviews', version: 'v3' }, { proxyPort: proxy.port });
    const page = await start({ service: 'productpage', version: 'v1' }, { proxyPort: proxy.port });
    Object.assign(routes, {
      details: details.port,
      reviews: reviewsV3.port,
      ratings: ratings.port,
    });
    const answer = await send(page.port, '/productpage', { headers: { 'x-request-id': 'p1' } });
    expect(answer.body).toContain('data-reviews-version="v3"');
    expect(answer.body).toContain('<span class="stars" style="color:red">★★★★☆</span>');
    const seen = proxy.requests.map((r) => [r.url, r.headers.host, r.headers['x-request-id']]);
    expect(seen).toEqual(
      expect.arrayContaining([
        ['http://details:9080/details/0', 'details:9080', 'p1'],
        ['http://reviews:9080/reviews/0', 'reviews:9080', 'p1'],
        ['http://ratings:9080/ratings/0', 'ratings:9080', 'p1'],
      ]),
    );
    expect(seen).toHaveLength(3);
  });

  it('gives up on a reviews that hangs after the timeout and one retry', async () => {
    const hanging = await recorder(() => {});
    const page = await productpage(
      `details=${HOST}:${details.port},reviews=${HOST}:${hanging.port}`,
      {
        productpageCalls: { reviews: { timeoutMs: 200, retries: 1 } },
      },
    );
    const started = Date.now();
    const answer = await send(page.port, '/productpage');
    expect(Date.now() - started).toBeGreaterThanOrEqual(390);
    expect(answer.status).toBe(200);
    expect(answer.body).toContain(REVIEWS_UNAVAILABLE);
    expect(answer.body).toContain('William Shakespeare');
    expect(hanging.requests).toHaveLength(2);
  });

  it('asks a reviews that answers 504 twice, as Bookinfo does, so a 0.5 s route timeout takes ~1 s', async () => {
    // The sidecar's answer when a VirtualService timeout fires: 504 after the timeout.
    const timingOut = await recorder((_req, res) => {
      setTimeout(() => res.writeHead(504).end('upstream request timeout'), 100);
    });
    const page = await productpage(
      `details=${HOST}:${details.port},reviews=${HOST}:${timingOut.port}`,
    );
    const started = Date.now();
    const answer = await send(page.port, '/productpage');
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    expect(answer.status).toBe(200);
    expect(answer.body).toContain(REVIEWS_UNAVAILABLE);
    expect(answer.body).toContain('data-reviews-version="none"');
    expect(timingOut.requests).toHaveLength(2);

    // The API passes the last attempt's status on.
    expect(await getJson(page.port, '/api/v1/products/0/reviews')).toEqual({
      status: 504,
      body: { error: REVIEWS_UNAVAILABLE },
    });
    expect(timingOut.requests).toHaveLength(4);
  });

  it('shows reviews that answer 200 on the second attempt; details is asked once', async () => {
    const flaky = (body: unknown) => {
      let calls = 0;
      return recorder((_req, res) => {
        if (++calls % 2 === 1) return void res.writeHead(503).end('no healthy upstream');
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      });
    };
    const flakyDetails = await flaky(bookDetails(0));
    const flakyReviews = await flaky(V1_REVIEWS);
    const page = await productpage(
      `details=${HOST}:${flakyDetails.port},reviews=${HOST}:${flakyReviews.port}`,
    );
    const answer = await send(page.port, '/productpage', { headers: { 'x-request-id': 'r2' } });
    expect(answer.body).toContain('data-reviews-version="v1"');
    expect(answer.body).toContain(DETAILS_UNAVAILABLE);
    // Both attempts at reviews carry the same forwarded headers; details got one.
    expect(flakyReviews.requests.map((r) => r.headers['x-request-id'])).toEqual(['r2', 'r2']);
    expect(flakyDetails.requests).toHaveLength(1);
  });

  it("keeps Bookinfo's budget: 3 s per attempt, two attempts for reviews, one for details", () => {
    expect(DEFAULT_CALLS).toEqual({
      details: { timeoutMs: 3000, retries: 0 },
      reviews: { timeoutMs: 3000, retries: 1 },
      ratings: { timeoutMs: 3000, retries: 0 },
    });
  });

  it('calls ratings for its API once, even when it fails', async () => {
    const failing = await recorder((_req, res) => res.writeHead(503).end());
    const page = await productpage(`ratings=${HOST}:${failing.port}`);
    expect(await getJson(page.port, '/api/v1/products/0/ratings')).toEqual({
      status: 503,
      body: { error: 'Sorry, product ratings are currently unavailable for this book.' },
    });
    expect(failing.requests).toHaveLength(1);
  });

  it('shows the details-unavailable message when details is down, and reviews still', async () => {
    const page = await productpage(
      `details=${HOST}:${await closedPort()},reviews=${HOST}:${reviewsV2.port}`,
    );
    const answer = await send(page.port, '/productpage');
    expect(answer.body).toContain(DETAILS_UNAVAILABLE);
    expect(answer.body).toContain('data-reviews-version="v2"');
  });

  it('shows the ratings error that reviews v2 gives when ratings is down', async () => {
    const lonelyReviews = await start(
      { service: 'reviews', version: 'v2' },
      { services: `ratings=${HOST}:${await closedPort()}` },
    );
    const page = await productpage(
      `details=${HOST}:${details.port},reviews=${HOST}:${lonelyReviews.port}`,
    );
    const answer = await send(page.port, '/productpage');
    expect(answer.body).toContain('data-reviews-version="v2"');
    expect(answer.body).toContain(RATINGS_UNAVAILABLE);
    expect(answer.body).not.toContain('class="stars"');
  });

  it('signs jason in with a cookie, then sends end-user: jason on every call', async () => {
    const detailsSpy = await answering(bookDetails(0));
    const reviewsSpy = await answering(V1_REVIEWS);
    const page = await productpage(
      `details=${HOST}:${detailsSpy.port},reviews=${HOST}:${reviewsSpy.port}`,
    );

    const login = await send(page.port, '/login', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'username=jason&passwd=secret',
    });
    expect(login.status).toBe(302);
    expect(login.headers.location).toBe('/productpage');
    const setCookie = login.headers['set-cookie']?.[0] ?? '';
    expect(setCookie).toMatch(/^session=jason; Path=\//);
    const cookie = setCookie.split(';')[0]!;

    const answer = await send(page.port, '/productpage', {
      headers: { cookie, 'x-request-id': 'req-7', traceparent: 'tp', 'user-agent': 'test/1' },
    });
    expect(answer.body).toContain('Signed in as jason');
    expect(answer.body).toContain('data-reviews-version="v1"');
    for (const spy of [detailsSpy, reviewsSpy]) {
      expect(spy.requests).toHaveLength(1);
      expect(spy.requests[0]!.headers).toMatchObject({
        'end-user': 'jason',
        'x-request-id': 'req-7',
        traceparent: 'tp',
        'user-agent': 'test/1',
      });
      expect(spy.requests[0]!.headers.cookie).toBeUndefined();
    }

    const logout = await send(page.port, '/logout', { headers: { cookie } });
    expect(logout.status).toBe(302);
    expect(logout.headers['set-cookie']?.[0]).toMatch(/^session=; Path=\/; Max-Age=0/);

    // Signed out, no end-user is sent, not even one the caller sent itself: as productpage.py,
    // only the session says who the user is, so `curl -H 'end-user: jason'` is not routed as
    // jason. Signed in, the session wins over such a header.
    await send(page.port, '/productpage', { headers: { 'end-user': 'jason' } });
    await send(page.port, '/productpage');
    await send(page.port, '/productpage', { headers: { cookie, 'end-user': 'mallory' } });
    await send(page.port, '/api/v1/products/0', { headers: { 'end-user': 'jason' } });
    expect(reviewsSpy.requests.map((r) => r.headers['end-user'])).toEqual([
      'jason',
      undefined,
      undefined,
      'jason',
    ]);
    expect(detailsSpy.requests.map((r) => r.headers['end-user'])).toEqual([
      'jason',
      undefined,
      undefined,
      'jason',
      undefined,
    ]);
  });

  it('passes every trace and auth header on to details, and through reviews to ratings, on both attempts', async () => {
    const detailsSpy = await answering(bookDetails(0));
    // ratings holds its first answer until the second call comes: productpage's first attempt
    // at reviews times out meanwhile, and it asks reviews again.
    let held: ServerResponse | undefined;
    const answer = (res: ServerResponse) =>
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end('{"id":0,"ratings":{"Reviewer1":3,"Reviewer2":2}}');
    const ratingsSpy = await recorder((_req, res) => {
      if (!held) return void (held = res);
      answer(res);
      answer(held);
    });
    const reviews = await start(
      { service: 'reviews', version: 'v2' },
      { services: `ratings=${HOST}:${ratingsSpy.port}` },
    );
    const page = await productpage(
      `details=${HOST}:${detailsSpy.port},reviews=${HOST}:${reviews.port}`,
      { productpageCalls: { reviews: { timeoutMs: 300, retries: 1 } } },
    );
    const answered = await send(page.port, '/productpage', {
      headers: {
        ...TRACE_AND_AUTH_HEADERS,
        cookie: sessionCookie('jason').split(';')[0]!,
        'end-user': 'mallory',
      },
    });
    expect(answered.body).toContain('data-reviews-version="v2"');
    expect(answered.body).toContain('★★★☆☆');
    expect(ratingsSpy.requests).toHaveLength(2);
    expect(detailsSpy.requests).toHaveLength(1);
    for (const call of [...ratingsSpy.requests, ...detailsSpy.requests]) {
      expect(call.headers).toMatchObject({ ...TRACE_AND_AUTH_HEADERS, 'end-user': 'jason' });
      expect(call.headers.cookie).toBeUndefined();
    }
  });

  it('calls details first, then reviews once details has answered, as productpage.py', async () => {
    const events: string[] = [];
    const slowDetails = await recorder((_req, res) => {
      events.push('details asked');
      setTimeout(() => {
        events.push('details answered');
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify(bookDetails(0)));
      }, 150);
    });
    const reviewsSpy = await recorder((_req, res) => {
      events.push('reviews asked');
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(V1_REVIEWS));
    });
    const page = await productpage(
      `details=${HOST}:${slowDetails.port},reviews=${HOST}:${reviewsSpy.port}`,
    );
    const answer = await send(page.port, '/productpage');
    expect(answer.body).toContain('William Shakespeare');
    expect(answer.body).toContain('data-reviews-version="v1"');
    expect(events).toEqual(['details asked', 'details answered', 'reviews asked']);
  });

  it('refuses a user name that cannot be a header, and signs nobody in on an empty form', async () => {
    const page = await productpage('');
    const bad = await send(page.port, '/login', { method: 'POST', body: 'username=ja%0Ason' });
    expect(bad.status).toBe(400);
    const empty = await send(page.port, '/login', { method: 'POST', body: 'username=' });
    expect([empty.status, empty.headers['set-cookie']]).toEqual([302, undefined]);
    expect((await send(page.port, '/login')).status).toBe(405);
  });

  it('serves the products API from details, reviews and ratings', async () => {
    const page = await productpage(
      `details=${HOST}:${details.port},reviews=${HOST}:${reviewsV2.port},ratings=${HOST}:${ratings.port}`,
    );
    const products = await getJson(page.port, '/api/v1/products');
    expect(products.status).toBe(200);
    expect(products.body).toEqual([
      expect.objectContaining({ id: 0, title: 'The Comedy of Errors' }),
    ]);
    expect(await getJson(page.port, '/api/v1/products/0')).toEqual({
      status: 200,
      body: bookDetails(0),
    });
    const reviews = await getJson(page.port, '/api/v1/products/0/reviews');
    expect(reviews.body).toMatchObject({ version: 'v2', reviews: [{ rating: { stars: 5 } }, {}] });
    expect(await getJson(page.port, '/api/v1/products/0/ratings')).toEqual({
      status: 200,
      body: { id: 0, ratings: { Reviewer1: 5, Reviewer2: 4 } },
    });
    // details' own 400 for a bad id comes back as it is, with productpage's message.
    expect(await getJson(page.port, '/api/v1/products/x')).toEqual({
      status: 400,
      body: { error: DETAILS_UNAVAILABLE },
    });
  });

  it('answers the products API with 500 and a message when a call fails', async () => {
    const down = await closedPort();
    const page = await productpage(`reviews=${HOST}:${down},ratings=${HOST}:${down}`);
    expect(await getJson(page.port, '/api/v1/products/0/reviews')).toEqual({
      status: 500,
      body: { error: REVIEWS_UNAVAILABLE },
    });
    expect(await getJson(page.port, '/api/v1/products/0/ratings')).toEqual({
      status: 500,
      body: { error: 'Sorry, product ratings are currently unavailable for this book.' },
    });
  });

  it('serves an index, a stylesheet, and JSON 404s', async () => {
    const page = await productpage('');
    expect((await send(page.port, '/')).body).toContain('href="/productpage');
    const css = await send(page.port, '/static/bookinfo.css');
    expect([css.status, css.headers['content-type']]).toEqual([200, 'text/css; charset=utf-8']);
    expect((await send(page.port, '/static/other.js')).status).toBe(404);
    expect((await getJson(page.port, '/nope')).status).toBe(404);
  });
});
