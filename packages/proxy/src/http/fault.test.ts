import { faultLayer, FAULT_ABORT_REASON } from './fault.js';
import { response, scripted, testContext } from './test-support/context.js';

const ok = () => response(200);

describe('faultLayer', () => {
  it('is absent without a fault', () => {
    expect(faultLayer(undefined)).toBeUndefined();
    expect(faultLayer({})).toBeUndefined();
  });

  it('aborts with the configured status and Envoy body when the draw is under the percentage', async () => {
    const next = scripted(ok);
    const layer = faultLayer({ abort: { httpStatus: 418, percentage: 25 } })!(next);
    const hit = await layer(testContext({ rng: () => 0.2499 }));
    expect(hit.status).toBe(418);
    expect(hit.local).toEqual({ flag: 'FI', reason: FAULT_ABORT_REASON });
    const miss = await layer(testContext({ rng: () => 0.25 }));
    expect(miss.status).toBe(200);
    expect(next.calls).toHaveLength(1);
  });

  it('never fires at 0% and always at 100%', async () => {
    const layer = (p: number) =>
      faultLayer({ abort: { httpStatus: 500, percentage: p } })!(scripted(ok));
    expect((await layer(0)(testContext({ rng: () => 0 }))).status).toBe(200);
    expect((await layer(100)(testContext({ rng: () => 0.999999 }))).status).toBe(500);
  });

  it('delays, records DI, then continues (or aborts: delay comes first)', async () => {
    const ctx = testContext({ rng: () => 0 });
    const started = Date.now();
    const res = await faultLayer({
      delay: { fixedDelayMs: 40, percentage: 100 },
      abort: { httpStatus: 503, percentage: 100 },
    })!(scripted(ok))(ctx);
    expect(Date.now() - started).toBeGreaterThanOrEqual(35);
    expect(res.status).toBe(503);
    expect([...ctx.info.flags]).toEqual(['DI']);
  });

  it('stops delaying when the client goes away', async () => {
    const controller = new AbortController();
    const next = scripted(ok);
    setTimeout(() => controller.abort(), 10);
    const res = await faultLayer({ delay: { fixedDelayMs: 10_000, percentage: 100 } })!(next)(
      testContext({ signal: controller.signal }),
    );
    expect(res.local?.flag).toBe('DC');
    expect(next.calls).toHaveLength(0);
  });

  it('answers a gRPC abort as a trailers-only response carrying the status code', async () => {
    const ctx = testContext({ rng: () => 0 });
    const res = await faultLayer({ abort: { grpcStatus: 'UNAVAILABLE', percentage: 100 } })!(
      scripted(ok),
    )(ctx);
    expect(res.status).toBe(200);
    expect(res.headers).toMatchObject({
      'content-type': 'application/grpc',
      'grpc-status': '14',
      'x-mesh-error': 'FI fault filter abort',
    });
    expect([...ctx.info.flags]).toEqual(['FI']);
  });
});
