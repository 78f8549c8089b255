import { Readable } from 'node:stream';
import type { RetryPolicy } from '@mesh/rules';
import { localReply } from './local-reply.js';
import { RequestBody } from './request-body.js';
import { backoffMs, retryLayer, shouldRetry } from './retry.js';
import { hanging, response, scripted, testContext } from './test-support/context.js';

function policy(overrides: Partial<RetryPolicy> = {}): RetryPolicy {
  return {
    attempts: 2,
    perTryTimeoutMs: undefined,
    retryOn: ['5xx'],
    retriableStatusCodes: [],
    retryRemoteLocalities: false,
    retryIgnorePreviousHosts: true,
    backoffMs: 1,
    ...overrides,
  };
}

const refused = localReply(503, 'UF', 'refused', 'connect-failure');
const reset = localReply(503, 'UC', 'reset', 'reset');
const perTry = localReply(504, 'UT', 'timeout', 'timeout');

describe('shouldRetry (Envoy retry_on)', () => {
  const outcomes = {
    '500': response(500),
    '503': response(503),
    '502': response(502),
    '504': response(504),
    '499': response(499),
    '409': response(409),
    '404': response(404),
    reset,
    'connect failure': refused,
    'per-try timeout': perTry,
    'grpc-status 14': response(200, { 'grpc-status': '14' }),
    'grpc-status 13': response(200, { 'grpc-status': '13' }),
    'grpc-status 1': response(200, { 'grpc-status': '1' }),
  } as const;
  it.each([
    ['5xx', '500', true],
    ['5xx', '503', true],
    ['5xx', '499', false],
    ['5xx', 'reset', true],
    ['5xx', 'connect failure', true],
    ['5xx', 'per-try timeout', true],
    ['gateway-error', '502', true],
    ['gateway-error', '504', true],
    ['gateway-error', '500', false],
    ['gateway-error', 'reset', true],
    ['reset', 'reset', true],
    ['reset', 'per-try timeout', true],
    ['reset', '503', false],
    ['connect-failure', 'connect failure', true],
    ['connect-failure', 'reset', false],
    ['connect-failure', 'per-try timeout', false],
    ['connect-failure', '503', false],
    ['reset-before-request', 'connect failure', true],
    ['retriable-4xx', '409', true],
    ['retriable-4xx', '404', false],
    ['unavailable', 'grpc-status 14', true],
    ['cancelled', 'grpc-status 1', true],
    ['unavailable', 'grpc-status 13', false],
    ['refused-stream', 'reset', false],
  ] as const)('retryOn %s, outcome %s: retry %s', (on, outcome, expected) => {
    expect(shouldRetry(policy({ retryOn: [on] }), outcomes[outcome])).toBe(expected);
  });

  it('matches retriable-status-codes against the listed codes only', () => {
    const p = policy({ retryOn: ['retriable-status-codes'], retriableStatusCodes: [418, 503] });
    expect(shouldRetry(p, response(418))).toBe(true);
    expect(shouldRetry(p, response(503))).toBe(true);
    expect(shouldRetry(p, response(500))).toBe(false);
  });

  it('never retries local replies that are not upstream failures, or overloaded answers', () => {
    const p = policy({ retryOn: ['5xx', 'reset', 'connect-failure'] });
    expect(shouldRetry(p, localReply(503, 'UH', 'no healthy upstream'))).toBe(false);
    expect(shouldRetry(p, localReply(503, 'NC', 'no cluster'))).toBe(false);
    expect(shouldRetry(p, response(503, { 'x-envoy-overloaded': 'true' }))).toBe(false);
    expect(shouldRetry(p, response(429, { 'x-envoy-ratelimited': 'true' }))).toBe(false);
    expect(
      shouldRetry(
        policy({ retryOn: ['envoy-ratelimited'] }),
        response(429, { 'x-envoy-ratelimited': 'true' }),
      ),
    ).toBe(true);
  });
});

describe('backoffMs', () => {
  it('draws from [0, (2^n - 1) x 25 ms) capped at 250 ms', () => {
    const almostOne = () => 0.999999;
    expect([1, 2, 3, 4, 10].map((n) => backoffMs(n, undefined, almostOne))).toEqual([
      24, 74, 174, 249, 249,
    ]);
    expect(backoffMs(3, undefined, () => 0)).toBe(0);
    expect(backoffMs(1, 100, almostOne)).toBe(99);
    expect(backoffMs(9, 100, almostOne)).toBe(999);
  });
});

describe('retryLayer', () => {
  it('is absent without a policy', () => {
    expect(retryLayer(undefined)).toBeUndefined();
  });

  it('tries attempts + 1 times, then returns the last outcome with URX and the count', async () => {
    const next = scripted(() => refused);
    const ctx = testContext();
    const res = await retryLayer(policy({ attempts: 2, retryOn: ['connect-failure'] }))!(next)(ctx);
    expect(next.calls).toHaveLength(3);
    expect(res.local?.reason).toBe('refused; retries exhausted after 3 attempts');
    expect([...ctx.info.flags]).toEqual(['URX']);
  });

  it('retries only while the cluster maxRetries budget has a slot, else answers with UO', async () => {
    let free = 1;
    let released = 0;
    const gate = {
      tryRetry: () => {
        if (free === 0) return undefined;
        free--;
        return () => {
          free++;
          released++;
        };
      },
    };
    // A second request holds the only slot: this one may not retry.
    const held = gate.tryRetry();
    const next = scripted(() => refused);
    const ctx = testContext();
    const res = await retryLayer(policy({ attempts: 2, retryOn: ['connect-failure'] }), gate)!(
      next,
    )(ctx);
    expect(next.calls).toHaveLength(1);
    expect(res.local?.reason).toBe('refused');
    expect([...ctx.info.flags]).toEqual(['UO']);
    // With the slot back, retries take it for each retry and give it back after.
    held?.();
    const again = scripted(() => refused);
    const ctx2 = testContext();
    await retryLayer(policy({ attempts: 2, retryOn: ['connect-failure'] }), gate)!(again)(ctx2);
    expect(again.calls).toHaveLength(3);
    expect(free).toBe(1);
    expect(released).toBe(3);
  });

  it('stops at the first outcome retryOn does not cover', async () => {
    const next = scripted(
      () => response(503),
      () => response(200, {}, 'ok'),
    );
    const ctx = testContext();
    const res = await retryLayer(policy())!(next)(ctx);
    expect(res.status).toBe(200);
    expect(next.calls).toHaveLength(2);
    expect(ctx.info.flags.size).toBe(0);
  });

  it('tells later attempts which hosts were tried, unless the policy says not to', async () => {
    const tried = (ignore: boolean) => {
      const ctx = testContext();
      const next = scripted((c) => {
        c.info.upstreamHost = `10.0.0.${next.calls.length}:80`;
        return response(503);
      });
      return retryLayer(policy({ attempts: 2, retryIgnorePreviousHosts: ignore }))!(next)(ctx).then(
        () => next.calls.map((c) => c.previousHosts),
      );
    };
    expect(await tried(true)).toEqual([[], ['10.0.0.1:80'], ['10.0.0.1:80', '10.0.0.2:80']]);
    expect(await tried(false)).toEqual([[], [], []]);
  });

  it('gives each try its per-try timeout and retries the timeout under 5xx', async () => {
    const next = scripted(hanging, () => response(200));
    const started = Date.now();
    const res = await retryLayer(policy({ perTryTimeoutMs: 30 }))!(next)(testContext());
    expect(res.status).toBe(200);
    expect(next.calls).toHaveLength(2);
    expect(next.calls[0]!.signal.aborted).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
  });

  it('answers 504 UT once every try timed out', async () => {
    const ctx = testContext();
    const res = await retryLayer(policy({ attempts: 1, perTryTimeoutMs: 20 }))!(hanging)(ctx);
    expect(res.status).toBe(504);
    expect(res.local).toMatchObject({ flag: 'UT', failure: 'timeout' });
    expect(res.local?.reason).toMatch(
      /per-try timeout of 20 ms; retries exhausted after 2 attempts$/,
    );
  });

  it('does not retry once the request body has outgrown the retry buffer', async () => {
    const source = Readable.from([Buffer.alloc(10), Buffer.alloc(10)]);
    const body = new RequestBody(source, 15);
    const next = scripted(async (ctx) => {
      for await (const _ of ctx.body!.open());
      return response(503);
    });
    await retryLayer(policy())!(next)(testContext({ body }));
    expect(next.calls).toHaveLength(1);
  });

  it('stops waiting when the request is abandoned during backoff', async () => {
    const controller = new AbortController();
    const next = scripted(() => {
      setTimeout(() => controller.abort(new Error('gone')), 5);
      return response(503);
    });
    const res = await retryLayer(policy({ backoffMs: 10_000 }))!(next)(
      testContext({ signal: controller.signal, rng: () => 0.9 }),
    );
    expect(next.calls).toHaveLength(1);
    expect(res.local?.flag).toBe('DC');
  });
});
