// Socketless pieces for testing one layer at a time: a request context and scripted handlers.
import { Readable } from 'node:stream';
import { createStreamInfo } from '../stream-info.js';
import type { Handler, HeaderMap, HttpContext, ProxyResponse } from '../types.js';

export function testContext(overrides: Partial<HttpContext> = {}): HttpContext {
  return {
    method: 'GET',
    authority: 'reviews:9080',
    path: '/',
    headers: {},
    body: undefined,
    signal: new AbortController().signal,
    info: createStreamInfo('outbound'),
    rng: () => 0.5,
    previousHosts: [],
    upstream: undefined,
    ...overrides,
  };
}

export function response(status: number, headers: HeaderMap = {}, body?: string): ProxyResponse {
  return { status, headers, body: body === undefined ? undefined : Buffer.from(body) };
}

/** A handler answering from `outcomes` in turn (the last one repeats), recording each context. */
export function scripted(
  ...outcomes: ((ctx: HttpContext) => ProxyResponse | Promise<ProxyResponse>)[]
): Handler & { calls: HttpContext[] } {
  const calls: HttpContext[] = [];
  const handler = async (ctx: HttpContext) => {
    calls.push(ctx);
    const outcome = outcomes[Math.min(calls.length - 1, outcomes.length - 1)]!;
    return outcome(ctx);
  };
  return Object.assign(handler, { calls });
}

/** Never answers on its own; settles only when its signal aborts (like a stuck upstream). */
export const hanging: Handler = (ctx) =>
  new Promise((resolve) => {
    ctx.signal.addEventListener('abort', () => resolve(response(599)), { once: true });
  });

/** A streaming body that sends `first`, then waits for `more()` before ending. */
export function slowBody(first: string): { body: Readable; more(text: string): void } {
  const body = new Readable({ read() {} });
  body.push(first);
  return {
    body,
    more(text) {
      body.push(text);
      body.push(null);
    },
  };
}

export async function readAll(body: ProxyResponse['body']): Promise<string> {
  if (body === undefined) return '';
  if (!(body instanceof Readable)) return Buffer.from(body).toString();
  const chunks: Buffer[] = [];
  for await (const c of body) chunks.push(Buffer.from(c as Buffer));
  return Buffer.concat(chunks).toString();
}
