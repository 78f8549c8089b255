// Requests and bodies for tests that drive an H1Pool directly.
import type { Readable } from 'node:stream';
import type { H1Request } from '../h1-pool.js';

/** A bodiless GET for the pool of 127.0.0.1:`port`; `reset` closes the connection after it. */
export function get(port: number, reset = false): H1Request {
  return { method: 'GET', path: '/', headers: { host: `127.0.0.1:${port}` }, body: null, reset };
}

/** The whole body as text, whichever form the pool gave it in. */
export async function text(body: Buffer | Readable): Promise<string> {
  if (Buffer.isBuffer(body)) return body.toString();
  let out = '';
  for await (const chunk of body) out += String(chunk);
  return out;
}
