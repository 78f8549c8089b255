import { PassThrough } from 'node:stream';
import { RequestBody } from './request-body.js';
import {
  hanging,
  readAll,
  response,
  scripted,
  slowBody,
  testContext,
} from './test-support/context.js';
import { timeoutLayer } from './timeout.js';
import { UpstreamTimeout } from './types.js';

describe('timeoutLayer (route timeout)', () => {
  it('is absent when the route has no timeout', () => {
    expect(timeoutLayer(undefined)).toBeUndefined();
    expect(timeoutLayer(0)).toBeUndefined();
  });

  it('answers 504 UT and aborts the attempt when no response comes in time', async () => {
    const next = scripted(hanging);
    const started = Date.now();
    const res = await timeoutLayer(40)!(next)(testContext());
    expect(Date.now() - started).toBeGreaterThanOrEqual(35);
    expect(res.status).toBe(504);
    expect(res.local).toMatchObject({ flag: 'UT' });
    expect(res.local?.reason).toBe(
      'upstream request timeout: no response within the route timeout of 40 ms',
    );
    expect(next.calls[0]!.signal.aborted).toBe(true);
  });

  it('passes a response that beats the timer through untouched', async () => {
    const ctx = testContext();
    const res = await timeoutLayer(1000)!(scripted(() => response(200, {}, 'ok')))(ctx);
    expect(res.status).toBe(200);
    expect(ctx.info.flags.size).toBe(0);
  });

  it('starts counting only once the downstream request body is complete', async () => {
    const source = new PassThrough();
    const body = new RequestBody(source);
    const next = scripted(async (ctx) => {
      await readAll(ctx.body!.open());
      return response(200);
    });
    const pending = timeoutLayer(30)!(next)(testContext({ body }));
    source.write('part');
    // Longer than the timeout, but the body is still arriving.
    await new Promise((r) => setTimeout(r, 60));
    source.end('rest');
    expect((await pending).status).toBe(200);
  });

  it('cuts off a body still streaming at the deadline and records UT', async () => {
    const { body } = slowBody('first');
    const ctx = testContext();
    const res = await timeoutLayer(30)!(scripted(() => ({ status: 200, headers: {}, body })))(ctx);
    expect(res.status).toBe(200);
    await expect(readAll(res.body)).rejects.toBeInstanceOf(UpstreamTimeout);
    expect([...ctx.info.flags]).toEqual(['UT']);
  });

  it('leaves a body that ended in time alone', async () => {
    const { body, more } = slowBody('first');
    const ctx = testContext();
    const res = await timeoutLayer(40)!(scripted(() => ({ status: 200, headers: {}, body })))(ctx);
    more(' last');
    expect(await readAll(res.body)).toBe('first last');
    await new Promise((r) => setTimeout(r, 60));
    expect(ctx.info.flags.size).toBe(0);
  });
});
