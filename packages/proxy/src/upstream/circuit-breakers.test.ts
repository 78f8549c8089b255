import type { ClusterBody } from '@mesh/proto';
import type { ResolvedTrafficPolicy } from '@mesh/rules';
import {
  CircuitBreaker,
  CircuitBreakers,
  circuitBreakerLimitsOf,
  UNLIMITED,
  type Admission,
} from './circuit-breakers.js';

const limits = (
  maxConnections = UNLIMITED,
  maxPendingRequests = UNLIMITED,
  maxRequests = UNLIMITED,
  maxRetries = UNLIMITED,
) => ({ maxConnections, maxPendingRequests, maxRequests, maxRetries });

function admitted(a: Admission): Extract<Admission, { kind: 'admitted' }> {
  if (a.kind !== 'admitted') throw new Error(`expected admitted, got ${JSON.stringify(a)}`);
  return a;
}

/** Settles pending promise callbacks. */
const tick = () => new Promise((r) => setImmediate(r));

describe('circuitBreakerLimitsOf', () => {
  it('takes positive connectionPool values and leaves the rest at 2^32-1, as Istio does', () => {
    expect(
      circuitBreakerLimitsOf({
        connectionPool: {
          tcp: { maxConnections: 1 },
          http: { http1MaxPendingRequests: 2, http2MaxRequests: 3, maxRetries: 4 },
        },
      }),
    ).toEqual(limits(1, 2, 3, 4));
    expect(circuitBreakerLimitsOf({})).toEqual(limits());
    expect(
      circuitBreakerLimitsOf({
        connectionPool: { tcp: { maxConnections: 0 }, http: { maxRetries: 0 } },
      }),
    ).toEqual(limits());
    expect(UNLIMITED).toBe(4294967295);
  });
});

describe('CircuitBreaker', () => {
  it('admits up to maxConnections, queues up to http1MaxPendingRequests, overflows past that', async () => {
    const breaker = new CircuitBreaker('c', limits(1, 1));
    const first = admitted(await breaker.admit());
    const second = breaker.admit();
    const third = await breaker.admit();
    expect(third).toMatchObject({ kind: 'overflow', overflow: 'pending' });
    expect(third.kind === 'overflow' && third.reason).toBe(
      'all 1 connections (connectionPool.tcp.maxConnections) busy and 1 requests already waiting (connectionPool.http.http1MaxPendingRequests 1)',
    );
    expect(breaker.stats).toMatchObject({
      activeRequests: 1,
      pendingRequests: 1,
      connectionOverflows: 2,
      pendingOverflows: 1,
    });
    let secondDone = false;
    void second.then(() => (secondDone = true));
    await tick();
    expect(secondDone).toBe(false);
    first.release();
    first.release(); // idempotent
    const granted = admitted(await second);
    expect(breaker.stats).toMatchObject({ activeRequests: 1, pendingRequests: 0 });
    granted.release();
    expect(breaker.stats.activeRequests).toBe(0);
    expect(breaker.idle).toBe(true);
  });

  it('serves waiting requests first come, first served', async () => {
    const breaker = new CircuitBreaker('c', limits(1));
    const first = admitted(await breaker.admit());
    const order: number[] = [];
    const waits = [1, 2, 3].map((n) =>
      breaker.admit().then((a) => {
        order.push(n);
        return admitted(a);
      }),
    );
    first.release();
    (await waits[0]!).release();
    (await waits[1]!).release();
    (await waits[2]!).release();
    expect(order).toEqual([1, 2, 3]);
  });

  it('drops a waiting request whose signal aborts, and frees its place in the queue', async () => {
    const breaker = new CircuitBreaker('c', limits(1, 1));
    const first = admitted(await breaker.admit());
    const controller = new AbortController();
    const waiting = breaker.admit(controller.signal);
    controller.abort();
    expect(await waiting).toEqual({ kind: 'aborted' });
    expect(breaker.stats.pendingRequests).toBe(0);
    // The freed place takes another request.
    const next = breaker.admit();
    first.release();
    admitted(await next).release();
    expect(await breaker.admit(AbortSignal.abort())).toEqual({ kind: 'aborted' });
  });

  it('answers at once without a promise unless the attempt has to wait (admitNow)', () => {
    const breaker = new CircuitBreaker('c', limits(1, 1));
    const first = breaker.admitNow();
    expect(first?.kind).toBe('admitted');
    // Full, with room to wait: admitNow cannot say, admit() would queue.
    expect(breaker.admitNow()).toBeUndefined();
    expect(breaker.stats).toMatchObject({ pendingRequests: 0, connectionOverflows: 0 });
    void breaker.admit();
    expect(breaker.admitNow()).toMatchObject({ kind: 'overflow', overflow: 'pending' });
    expect(breaker.stats).toMatchObject({ pendingRequests: 1, connectionOverflows: 2 });
    const aborted = new AbortController();
    aborted.abort();
    expect(breaker.admitNow(aborted.signal)).toEqual({ kind: 'aborted' });
  });

  it('overflows past http2MaxRequests in flight without queueing', async () => {
    const breaker = new CircuitBreaker('c', limits(UNLIMITED, UNLIMITED, 2));
    const a = admitted(await breaker.admit());
    admitted(await breaker.admit());
    const over = await breaker.admit();
    expect(over).toMatchObject({ kind: 'overflow', overflow: 'requests' });
    expect(over.kind === 'overflow' && over.reason).toBe(
      '2 requests already in flight (connectionPool.http.http2MaxRequests 2)',
    );
    expect(breaker.stats).toMatchObject({ requestOverflows: 1, pendingRequests: 0 });
    a.release();
    admitted(await breaker.admit());
  });

  it('lets waiting requests through when a new table raises the limit', async () => {
    const breaker = new CircuitBreaker('c', limits(1));
    admitted(await breaker.admit());
    const waiting = breaker.admit();
    breaker.setLimits(limits(2));
    admitted(await waiting);
    expect(breaker.stats).toMatchObject({ activeRequests: 2, limits: limits(2) });
  });

  it('gives retry slots up to maxRetries and counts refusals', () => {
    const breaker = new CircuitBreaker('c', limits(UNLIMITED, UNLIMITED, UNLIMITED, 1));
    const slot = breaker.tryRetry();
    expect(slot).toBeDefined();
    expect(breaker.tryRetry()).toBeUndefined();
    expect(breaker.stats).toMatchObject({ activeRetries: 1, retryOverflows: 1 });
    slot!();
    slot!();
    expect(breaker.stats.activeRetries).toBe(0);
    expect(breaker.tryRetry()).toBeDefined();
  });
});

describe('CircuitBreakers', () => {
  const cluster = (name: string, trafficPolicy: ResolvedTrafficPolicy) => ({
    name,
    body: { trafficPolicy } as ClusterBody,
  });

  it('keeps one breaker per cluster name across tables, with the newest limits', async () => {
    const breakers = new CircuitBreakers();
    const first = breakers.of(cluster('a', { connectionPool: { tcp: { maxConnections: 1 } } }));
    const lease = admitted(await first.admit());
    const again = breakers.of(cluster('a', { connectionPool: { tcp: { maxConnections: 5 } } }));
    expect(again).toBe(first);
    expect(again.stats).toMatchObject({ activeRequests: 1, limits: { maxConnections: 5 } });
    expect(breakers.of(cluster('b', {}))).not.toBe(first);
    expect(breakers.get('b')?.limits).toEqual(limits());

    // Clusters that left the config are forgotten once idle.
    breakers.retain(new Set());
    expect(breakers.get('a')).toBe(first);
    expect(breakers.get('b')).toBeUndefined();
    lease.release();
    breakers.retain(new Set());
    expect(breakers.size).toBe(0);
  });
});
