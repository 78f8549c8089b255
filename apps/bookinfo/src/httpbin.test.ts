import type { IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import { RequestError } from './http-service.js';
import { accessLine, delayMs, MAX_DELAY_SECONDS } from './httpbin.js';
import type { RunningService } from './service.js';
import { HOST, send, startOnPort0 } from './test-support/http.js';

/** `<ISO time> <method> <path-with-query> host=<Host> status=<code> version=<version>` */
const ACCESS_LINE =
  /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z) (\S+) (\S+) host=(\S+) status=(\d{3}) version=(v\d)$/;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Sends `request` as written, and gives back everything until the server closes. */
function raw(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, HOST);
    let text = '';
    socket.on('data', (c: Buffer) => (text += c.toString('latin1')));
    socket.on('close', () => resolve(text));
    socket.on('error', reject);
    socket.end(request);
  });
}

describe('httpbin', () => {
  let httpbin: RunningService;
  let log: string[];

  const body = async (path: string, options: Parameters<typeof send>[2] = {}) => {
    const answer = await send(httpbin.port, path, options);
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('application/json');
    return JSON.parse(answer.body) as Record<string, unknown>;
  };

  beforeAll(async () => {
    httpbin = await startOnPort0({ service: 'httpbin', version: 'v2' }, {}, {}, (line) =>
      log.push(line),
    );
  });
  beforeEach(() => {
    log = [];
  });
  afterAll(() => httpbin.close());

  it('answers GET /get with args, headers as received, origin and url', async () => {
    expect(
      await body('/get?show_env=1&b=2&b=3', {
        headers: { host: 'httpbin:8000', 'X-Custom': 'Yes', 'user-agent': 'fortio/1' },
      }),
    ).toEqual({
      args: { show_env: '1', b: ['2', '3'] },
      headers: {
        host: 'httpbin:8000',
        'x-custom': 'Yes',
        'user-agent': 'fortio/1',
        connection: 'close',
      },
      origin: '127.0.0.1',
      url: 'http://httpbin:8000/get?show_env=1&b=2&b=3',
    });
  });

  it('answers /headers and /ip, taking the origin from X-Forwarded-For when set', async () => {
    expect(await body('/headers', { headers: { host: 'h:1', 'x-b3-sampled': '1' } })).toEqual({
      headers: { host: 'h:1', 'x-b3-sampled': '1', connection: 'close' },
    });
    expect(await body('/ip')).toEqual({ origin: '127.0.0.1' });
    expect(await body('/ip', { headers: { 'x-forwarded-for': '10.0.0.7' } })).toEqual({
      origin: '10.0.0.7',
    });
  });

  it('answers /anything for any method and subpath with method, args, headers, data, url', async () => {
    expect(
      await body('/anything/a/b%20c?x=1', {
        method: 'POST',
        headers: { host: 'httpbin:8000', 'content-type': 'text/plain' },
        body: 'hello',
      }),
    ).toEqual({
      method: 'POST',
      args: { x: '1' },
      headers: {
        host: 'httpbin:8000',
        'content-type': 'text/plain',
        'content-length': '5',
        connection: 'close',
      },
      data: 'hello',
      url: 'http://httpbin:8000/anything/a/b%20c?x=1',
    });
    for (const method of ['GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
      expect(await body('/anything', { method })).toMatchObject({ method, data: '' });
    }
    expect(await body('/anything/')).toMatchObject({ url: expect.stringMatching(/\/anything\/$/) });
    expect((await send(httpbin.port, '/anything', { method: 'HEAD' })).status).toBe(200);
  });

  it.each([200, 201, 302, 400, 418, 429, 500, 503, 504, 599])(
    'answers /status/%i with that status and an empty body',
    async (code) => {
      const answer = await send(httpbin.port, `/status/${code}`);
      expect([answer.status, answer.body, answer.headers['content-length']]).toEqual([
        code,
        '',
        '0',
      ]);
    },
  );

  it('answers /status for any method, 204 and 304 without a length', async () => {
    expect((await send(httpbin.port, '/status/500', { method: 'POST' })).status).toBe(500);
    for (const code of [204, 304]) {
      const answer = await send(httpbin.port, `/status/${code}`);
      expect([answer.status, answer.body, answer.headers['content-length']]).toEqual([
        code,
        '',
        undefined,
      ]);
    }
  });

  it('answers /status/1xx as asked, then closes the connection', async () => {
    for (const code of [100, 103, 199]) {
      const text = await raw(httpbin.port, `GET /status/${code} HTTP/1.1\r\nHost: h\r\n\r\n`);
      expect(text).toMatch(new RegExp(`^HTTP/1\\.1 ${code} [^\\r]*\\r\\n`));
      expect(text.toLowerCase()).toContain('connection: close');
      expect(text.toLowerCase()).not.toContain('content-length');
      expect(text.endsWith('\r\n\r\n')).toBe(true);
    }
  });

  it.each(['99', '600', '0', '2000', '20', 'abc', '-1', '2e2'])(
    'refuses /status/%s with 400',
    async (code) => {
      const answer = await send(httpbin.port, `/status/${code}`);
      expect(answer.status).toBe(400);
      expect(JSON.parse(answer.body)).toEqual({ error: expect.stringMatching(/invalid status/) });
    },
  );

  it('answers /delay/{seconds} after that long, like /get', async () => {
    const started = Date.now();
    const answer = await body('/delay/0.1?x=1', { headers: { host: 'httpbin:8000' } });
    expect(Date.now() - started).toBeGreaterThanOrEqual(95);
    expect(answer).toMatchObject({
      args: { x: '1' },
      headers: { host: 'httpbin:8000' },
      origin: '127.0.0.1',
      url: 'http://httpbin:8000/delay/0.1?x=1',
    });
    const quick = Date.now();
    await body('/delay/0');
    expect(Date.now() - quick).toBeLessThan(90);
  });

  it('waits at most 10 s, and refuses a delay that is not a number of seconds', async () => {
    expect(MAX_DELAY_SECONDS).toBe(10);
    expect([delayMs('0.2'), delayMs('.5'), delayMs('3'), delayMs('10'), delayMs('60')]).toEqual([
      200, 500, 3000, 10_000, 10_000,
    ]);
    expect(() => delayMs('1e3')).toThrow(RequestError);
    for (const bad of ['-1', 'abc', '1e3', '1.2.3']) {
      expect((await send(httpbin.port, `/delay/${bad}`)).status).toBe(400);
    }
  });

  it('answers /health, a JSON 404 for an unknown path, a 405 for a wrong method', async () => {
    expect(await body('/health')).toEqual({ status: 'ok' });
    expect((await send(httpbin.port, '/post')).status).toBe(404);
    const wrong = await send(httpbin.port, '/get', { method: 'POST' });
    expect([wrong.status, wrong.headers['allow']]).toEqual([405, 'GET, HEAD']);
  });

  describe('access log', () => {
    it('writes exactly one line per request, once answered, in the documented format', async () => {
      const before = Date.now();
      await send(httpbin.port, '/get?a=1&b=2', { headers: { host: 'httpbin-shadow:8000' } });
      expect(log).toHaveLength(1);
      const m = ACCESS_LINE.exec(log[0]!);
      expect(m).not.toBeNull();
      expect(m!.slice(2)).toEqual(['GET', '/get?a=1&b=2', 'httpbin-shadow:8000', '200', 'v2']);
      const at = Date.parse(m![1]!);
      expect(at).toBeGreaterThanOrEqual(before - 1);
      expect(at).toBeLessThanOrEqual(Date.now());
    });

    it('logs every status and method, health checks and mistakes included', async () => {
      await send(httpbin.port, '/status/503', {
        method: 'POST',
        headers: { host: 'httpbin:8000' },
      });
      await send(httpbin.port, '/status/abc', { headers: { host: 'httpbin:8000' } });
      await send(httpbin.port, '/nope', { headers: { host: 'httpbin:8000' } });
      await send(httpbin.port, '/health', { method: 'HEAD', headers: { host: 'httpbin:8000' } });
      await send(httpbin.port, '/anything/x', { method: 'PUT', headers: { host: 'httpbin:8000' } });
      expect(log.map((line) => line.replace(/^\S+ /, ''))).toEqual([
        'POST /status/503 host=httpbin:8000 status=503 version=v2',
        'GET /status/abc host=httpbin:8000 status=400 version=v2',
        'GET /nope host=httpbin:8000 status=404 version=v2',
        'HEAD /health host=httpbin:8000 status=200 version=v2',
        'PUT /anything/x host=httpbin:8000 status=200 version=v2',
      ]);
    });

    it('writes the line after the delay, and also when the client left before the answer', async () => {
      const slow = send(httpbin.port, '/delay/0.15', { headers: { host: 'httpbin:8000' } });
      await sleep(60);
      expect(log).toEqual([]);
      await slow;
      expect(log).toHaveLength(1);
      expect(log[0]).toMatch(/ GET \/delay\/0\.15 host=httpbin:8000 status=200 version=v2$/);

      const socket = connect(httpbin.port, HOST);
      socket.on('error', () => {});
      socket.write('GET /delay/0.1 HTTP/1.1\r\nHost: gone:8000\r\n\r\n');
      await sleep(30);
      socket.destroy();
      await sleep(150);
      expect(log).toHaveLength(2);
      expect(log[1]).toMatch(/ GET \/delay\/0\.1 host=gone:8000 status=200 version=v2$/);
    });

    it('keeps to one line whatever the request holds, and logs absolute-form in origin-form', async () => {
      await raw(httpbin.port, 'GET /get HTTP/1.1\r\nHost: a b\tc\r\nConnection: close\r\n\r\n');
      await raw(httpbin.port, 'GET /ip HTTP/1.0\r\n\r\n');
      await raw(
        httpbin.port,
        'GET http://httpbin:8000/headers?x=1 HTTP/1.1\r\nHost: httpbin:8000\r\nConnection: close\r\n\r\n',
      );
      expect(log.map((line) => line.replace(/^\S+ /, ''))).toEqual([
        'GET /get host=a%20b%09c status=200 version=v2',
        'GET /ip host=- status=200 version=v2',
        'GET /headers?x=1 host=httpbin:8000 status=200 version=v2',
      ]);
    });
  });
});

describe('accessLine', () => {
  const request = (fields: Partial<IncomingMessage>) => fields as IncomingMessage;

  it('formats time, method, target, host, status and version', () => {
    expect(
      accessLine(
        request({ method: 'GET', url: '/status/418?x=1', headers: { host: 'httpbin:8000' } }),
        418,
        'v1',
        new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 6)),
      ),
    ).toBe('2024-01-02T03:04:05.006Z GET /status/418?x=1 host=httpbin:8000 status=418 version=v1');
  });

  it('percent-encodes what would break the line, and logs an unparsable target as received', () => {
    const line = accessLine(
      request({ method: 'GET', url: 'http://[bad/x y', headers: { host: 'h\u00e9' } }),
      400,
      'v2',
      new Date(0),
    );
    expect(line).toBe(
      '1970-01-01T00:00:00.000Z GET http://[bad/x%20y host=h%E9 status=400 version=v2',
    );
  });
});
