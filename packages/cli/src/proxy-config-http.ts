// The one plain-HTTP GET that meshctl makes (a proxy's admin port, the control plane's HTTP
// port: proxy-config, describe, live analyze, version), and the JSON read on top of it. Injected
// like CliIo, so the commands run in tests against a recording double or a real node:http server
// on a loopback port.
import { get } from 'node:http';

export interface HttpResponse {
  status: number;
  body: string;
}

/** GET `url`; rejects with an HttpGetError when no answer arrives. `timeoutMs` 0 = no deadline. */
export type HttpGet = (url: string, timeoutMs: number) => Promise<HttpResponse>;

export interface ProxyConfigDeps {
  httpGet: HttpGet;
}

/** Nothing came back: the connection failed or the deadline passed. */
export class HttpGetError extends Error {
  override readonly name = 'HttpGetError';
  constructor(
    readonly reason: 'unreachable' | 'timeout',
    /** For `unreachable`: node's words, e.g. "connect ECONNREFUSED 127.0.0.1:15000". */
    readonly details: string,
  ) {
    super(`${reason}: ${details}`);
  }
}

/** The answer was not what a mesh proxy or control plane sends: wrong port or version. */
export class UnexpectedAnswerError extends Error {
  override readonly name = 'UnexpectedAnswerError';
}

/**
 * GET `url` and parse its JSON body. Anything but a 200 with JSON is an UnexpectedAnswerError
 * naming `where` (`the control plane at 127.0.0.1:15014`) and the path, with the first line of
 * a refusal: the 404 page of a wrong port says what that port is.
 */
export async function getJson(
  httpGet: HttpGet,
  url: string,
  timeoutMs: number,
  where: string,
): Promise<unknown> {
  const response = await httpGet(url, timeoutMs);
  const path = new URL(url).pathname;
  if (response.status !== 200) {
    const said = response.body.trim().split('\n')[0] ?? '';
    throw new UnexpectedAnswerError(
      `${where} answered ${path} with HTTP ${response.status}${said ? `: ${said}` : ''}`,
    );
  }
  try {
    return JSON.parse(response.body) as unknown;
  } catch {
    throw new UnexpectedAnswerError(`${where} answered ${path} with something that is not JSON`);
  }
}

/** The real thing: node:http, plaintext, whole body as UTF-8. */
export function nodeProxyConfigDeps(): ProxyConfigDeps {
  return { httpGet: nodeHttpGet };
}

export function nodeHttpGet(url: string, timeoutMs: number): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let timedOut = false;
    // Whichever of the request and the response reports first; a timeout names itself.
    const fail = (err: Error) => {
      if (timer) clearTimeout(timer);
      reject(
        timedOut
          ? new HttpGetError('timeout', `no answer within ${timeoutMs}ms`)
          : new HttpGetError('unreachable', err.message),
      );
    };
    const req = get(url, { headers: { accept: 'application/json' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', fail);
      res.on('end', () => {
        if (timer) clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
      });
    });
    req.on('error', fail);
    if (timeoutMs > 0)
      timer = setTimeout(() => {
        timedOut = true;
        req.destroy(new Error('timeout'));
      }, timeoutMs);
  });
}
