// Protocol detection: the preface, request lines, and everything that must stay TCP.
import { PassThrough } from 'node:stream';
import { classify, H2_PREFACE, sniff } from './sniff.js';

describe('classify', () => {
  it.each([
    ['the full h2 preface', H2_PREFACE.toString('latin1'), 'h2c'],
    ['the preface and a SETTINGS frame', `${H2_PREFACE.toString('latin1')}\x00\x00\x00\x04`, 'h2c'],
    ['a GET request line', 'GET /x HTTP/1.1\r\nHost: a\r\n', 'http1'],
    ['an HTTP/1.0 POST', 'POST /submit?q=1 HTTP/1.0\r\n', 'http1'],
    ['a bare-LF request line', 'DELETE /r HTTP/1.1\n', 'http1'],
    ['a Redis inline command', 'PING\r\n', 'tcp'],
    ['an SQL-ish line', 'SELECT a FROM b\r\n', 'tcp'],
    ['HTTP/2 over an HTTP/1 line', 'GET / HTTP/2.0\r\n', 'tcp'],
    ['lower-case text', 'hello 0', 'tcp'],
    ['binary', '\x16\x03\x01\x02\x00', 'tcp'],
  ])('%s', (_name, text, expected) => {
    expect(classify(Buffer.from(text, 'latin1'))).toBe(expected);
  });

  it.each([
    ['nothing', ''],
    ['part of the preface', 'PRI * HT'],
    ['a method', 'GET'],
    ['a method and a target', 'GET /some/pa'],
    ['a request line without its end', 'GET / HTTP/1.'],
  ])('waits for more after %s', (_name, text) => {
    expect(classify(Buffer.from(text, 'latin1'))).toBeUndefined();
  });

  it('gives up on a request line longer than 8 KiB', () => {
    expect(classify(Buffer.from(`GET /${'a'.repeat(9000)}`))).toBe('tcp');
  });
});

describe('sniff', () => {
  it('decides across chunks and gives every byte back', async () => {
    const socket = new PassThrough();
    const pending = sniff(socket, { head: Buffer.from('GE'), timeoutMs: 1000 });
    socket.write('T /a HT');
    socket.write('TP/1.1\r\nHost: x\r\n\r\n');
    expect(await pending).toEqual({ protocol: 'http1', cause: 'detected' });
    expect(String(socket.read())).toBe('GET /a HTTP/1.1\r\nHost: x\r\n\r\n');
  });

  it('calls a silent client TCP after the timeout', async () => {
    const started = Date.now();
    const result = await sniff(new PassThrough(), { timeoutMs: 50 });
    expect(result).toEqual({ protocol: 'tcp', cause: 'timeout' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
  });

  it('calls it TCP at once when the upstream speaks first, keeping the upstream bytes', async () => {
    const upstream = new PassThrough();
    const pending = sniff(new PassThrough(), { timeoutMs: 5000, upstream });
    upstream.write('220 smtp ready\r\n');
    expect(await pending).toEqual({ protocol: 'tcp', cause: 'upstream-first' });
    expect(String(upstream.read())).toBe('220 smtp ready\r\n');
  });

  it('hands back what a client sent before ending its side', async () => {
    const socket = new PassThrough();
    const pending = sniff(socket, { timeoutMs: 5000 });
    socket.end('GET');
    expect(await pending).toEqual({ protocol: 'tcp', cause: 'closed', ended: Buffer.from('GET') });
  });
});
