// httpbin-v1/v2: the workalike of the Istio samples' httpbin, which the circuit-breaking and
// mirroring tasks call. A small subset of httpbin.org: it echoes what it was sent as JSON, answers
// any status, waits on request, and makes no calls of its own. Both versions behave the same; the
// access line each request writes on stdout says which one served it, which is how the mirroring
// task sees the copies reach v2 (they arrive with Host `httpbin-shadow:8000` or the like).
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import {
  json,
  RequestError,
  splitTarget,
  type Route,
  type ServiceRequest,
} from './http-service.js';

/** The longest `/delay/{seconds}` waits, as httpbin.org. */
export const MAX_DELAY_SECONDS = 10;

export function httpbinRoutes(): Route[] {
  return [
    { method: 'GET', path: '/get', handle: (req) => json(200, echo(req)) },
    { method: 'GET', path: '/headers', handle: (req) => json(200, { headers: headersOf(req) }) },
    { method: 'GET', path: '/ip', handle: (req) => json(200, { origin: originOf(req) }) },
    { method: '*', path: '/anything', handle: anything },
    { method: '*', path: '/anything/*', handle: anything },
    {
      method: '*',
      path: '/status/:code',
      handle: (req) => ({ status: statusCode(req.params['code']!), body: '' }),
    },
    {
      method: 'GET',
      path: '/delay/:seconds',
      handle: async (req) => {
        const ms = delayMs(req.params['seconds']!);
        // Unref'd: a delay in flight never holds a stopping process or a test run.
        await new Promise((resolve) => setTimeout(resolve, ms).unref());
        return json(200, echo(req));
      },
    },
  ];
}

/**
 * `<ISO time> <method> <path-with-query> host=<Host header> status=<code> version=<version>`,
 * one line whatever the request held: bytes outside printable ASCII are percent-encoded, a missing
 * Host is `-`.
 */
export function accessLine(
  req: IncomingMessage,
  status: number,
  version: string,
  now = new Date(),
): string {
  let target = req.url ?? '';
  try {
    target = splitTarget(target).target;
  } catch {
    // A target we could not parse is logged as received.
  }
  const host = req.headers.host;
  return [
    now.toISOString(),
    printable(req.method ?? '-'),
    printable(target || '-'),
    `host=${host === undefined || host === '' ? '-' : printable(host)}`,
    `status=${status}`,
    `version=${version}`,
  ].join(' ');
}

async function anything(req: ServiceRequest) {
  const data = await req.readBody();
  return json(200, {
    method: req.method,
    args: argsOf(req.query),
    headers: headersOf(req),
    data,
    url: urlOf(req),
  });
}

function echo(req: ServiceRequest) {
  return {
    args: argsOf(req.query),
    headers: headersOf(req),
    origin: originOf(req),
    url: urlOf(req),
  };
}

/** As httpbin.org: one value a string, a repeated name an array. */
function argsOf(query: URLSearchParams): Record<string, string | string[]> {
  const args: Record<string, string | string[]> = {};
  for (const name of new Set(query.keys())) {
    const values = query.getAll(name);
    args[name] = values.length === 1 ? values[0]! : values;
  }
  return args;
}

/** As received, names in lower case; repeated ones joined. */
function headersOf(req: { readonly headers: IncomingHttpHeaders }): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

/** As httpbin: X-Forwarded-For when a proxy set it, else the peer's address. */
function originOf(req: ServiceRequest): string {
  const forwarded = req.headers['x-forwarded-for'];
  const first = Array.isArray(forwarded) ? forwarded.join(', ') : forwarded;
  return first || req.remoteAddress;
}

function urlOf(req: ServiceRequest): string {
  const host = req.headers.host;
  return host ? `http://${host}${req.target}` : req.target;
}

function statusCode(text: string): number {
  const code = /^\d{3}$/.test(text) ? Number(text) : NaN;
  if (!(code >= 100 && code <= 599)) {
    throw new RequestError(400, `invalid status code ${JSON.stringify(text)} (100 to 599)`);
  }
  return code;
}

/** `/delay/{seconds}`'s wait: seconds, fractions allowed, at most MAX_DELAY_SECONDS. */
export function delayMs(text: string): number {
  if (!/^(\d+(\.\d*)?|\.\d+)$/.test(text)) {
    throw new RequestError(400, `invalid delay ${JSON.stringify(text)} (seconds, e.g. 2 or 0.5)`);
  }
  return Math.round(Math.min(Number(text), MAX_DELAY_SECONDS) * 1000);
}

/** Spaces, controls and non-ASCII percent-encoded: node hands targets and headers over as latin1. */
function printable(text: string): string {
  return text.replace(/[^\x21-\x7e]/gu, (c) => {
    const code = c.codePointAt(0)!;
    const bytes = code <= 0xff ? [code] : [...Buffer.from(c, 'utf8')];
    return bytes.map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');
  });
}
