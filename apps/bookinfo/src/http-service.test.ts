import type { Server } from 'node:http';
import {
  createHttpService,
  closeHttpService,
  json,
  RequestError,
  type Route,
} from './http-service.js';
import { listen, send } from './test-support/http.js';

describe('createHttpService', () => {
  let server: Server;
  let port: number;
  const answered: string[] = [];

  beforeAll(async () => {
    const routes: Route[] = [
      { method: 'GET', path: '/items/:id', handle: (req) => json(200, { id: req.params['id'] }) },
      {
        method: '*',
        path: '/any/*',
        handle: (req) =>
          json(200, { method: req.method, rest: req.params['*'], target: req.target }),
      },
      {
        method: 'GET',
        path: '/status/:code',
        handle: (req) => ({ status: Number(req.params['code']), body: 'ignored' }),
      },
      { method: 'GET', path: '/peer', handle: (req) => json(200, req.remoteAddress) },
      {
        method: 'POST',
        path: '/echo',
        handle: async (req) => json(200, { body: await req.readBody(16) }),
      },
      {
        method: 'GET',
        path: '/teapot',
        handle: () => {
          throw new RequestError(418, 'short and stout');
        },
      },
      {
        method: 'GET',
        path: '/bug',
        handle: () => {
          throw new Error('broken invariant');
        },
      },
    ];
    server = createHttpService(routes, {
      onAnswered: (req, status) => answered.push(`${req.method} ${req.url} ${status}`),
    });
    port = await listen(server);
  });
  afterAll(() => closeHttpService(server, 0));

  it('answers /health for the supervisor', async () => {
    const answer = await send(port, '/health');
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('application/json');
    expect(JSON.parse(answer.body)).toEqual({ status: 'ok' });
  });

  it('matches :name segments, percent-decoded, and ignores the query', async () => {
    expect(JSON.parse((await send(port, '/items/a%20b?x=1')).body)).toEqual({ id: 'a b' });
  });

  it('accepts an absolute-form target', async () => {
    expect(JSON.parse((await send(port, 'http://svc:9080/items/7')).body)).toEqual({ id: '7' });
  });

  it('answers HEAD like GET, without a body', async () => {
    const answer = await send(port, '/health', { method: 'HEAD' });
    expect([answer.status, answer.body]).toEqual([200, '']);
  });

  it('answers 404 JSON for an unknown path, 405 with Allow for a wrong method', async () => {
    const missing = await send(port, '/nope');
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.body)).toEqual({ error: 'no such path: /nope' });
    expect((await send(port, '/items/')).status).toBe(404);
    const wrong = await send(port, '/items/1', { method: 'DELETE' });
    expect(wrong.status).toBe(405);
    expect(wrong.headers['allow']).toBe('GET, HEAD');
    expect((await send(port, '/echo')).headers['allow']).toBe('POST');
  });

  it('answers 400 for a malformed path segment, 413 for a body past the limit', async () => {
    expect((await send(port, '/items/%E0%A4%A')).status).toBe(400);
    const big = await send(port, '/echo', { method: 'POST', body: 'x'.repeat(100_000) });
    expect(big.status).toBe(413);
    const small = await send(port, '/echo', { method: 'POST', body: 'hi' });
    expect(JSON.parse(small.body)).toEqual({ body: 'hi' });
  });

  it("answers a handler's RequestError with its status, any other error with 500", async () => {
    const teapot = await send(port, '/teapot');
    expect([teapot.status, JSON.parse(teapot.body)]).toEqual([418, { error: 'short and stout' }]);
    const logged: string[] = [];
    const spy = jest.spyOn(process.stderr, 'write').mockImplementation((text) => {
      logged.push(String(text));
      return true;
    });
    try {
      const bug = await send(port, '/bug');
      expect([bug.status, JSON.parse(bug.body)]).toEqual([500, { error: 'internal error' }]);
    } finally {
      spy.mockRestore();
    }
    expect(logged.join('')).toContain('GET /bug: Error: broken invariant');
    expect((await send(port, '/health')).status).toBe(200);
  });

  it('matches any method on a `*` route, and the rest of the path on a trailing `*`', async () => {
    const answer = await send(port, '/any/a/b%20c?x=1', { method: 'DELETE' });
    expect(JSON.parse(answer.body)).toEqual({
      method: 'DELETE',
      rest: 'a/b%20c',
      target: '/any/a/b%20c?x=1',
    });
    expect(JSON.parse((await send(port, 'http://svc:9080/any/z?q')).body)).toMatchObject({
      rest: 'z',
      target: '/any/z?q',
    });
    expect(JSON.parse((await send(port, '/any/')).body)).toMatchObject({ rest: '' });
    expect((await send(port, '/any')).status).toBe(404);
    expect(JSON.parse((await send(port, '/peer')).body)).toBe('127.0.0.1');
  });

  it('sends neither body nor length with a 204 or 304', async () => {
    for (const code of [204, 304]) {
      const answer = await send(port, `/status/${code}`);
      expect([answer.status, answer.body, answer.headers['content-length']]).toEqual([
        code,
        '',
        undefined,
      ]);
    }
    expect((await send(port, '/status/200')).body).toBe('ignored');
  });

  it('tells onAnswered of every request once answered, with its status', async () => {
    answered.length = 0;
    await send(port, '/items/1');
    await send(port, '/nope?x');
    await send(port, '/items/1', { method: 'POST' });
    expect(answered).toEqual(['GET /items/1 200', 'GET /nope?x 404', 'POST /items/1 405']);
  });
});
