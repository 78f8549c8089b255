import { PassThrough, Readable } from 'node:stream';
import { hasBody, RequestBody } from './request-body.js';

async function text(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString();
}

describe('RequestBody', () => {
  it('replays the whole body to each attempt while it fits the retry buffer', async () => {
    const body = new RequestBody(Readable.from([Buffer.from('ab'), Buffer.from('cd')]), 10);
    expect(await text(body.open())).toBe('abcd');
    expect(body.replayable).toBe(true);
    expect(await text(body.open())).toBe('abcd');
    expect(body.bytesReceived).toBe(4);
  });

  it('lets a new attempt replay what arrived and then follow the live body', async () => {
    const source = new PassThrough();
    const counted: number[] = [];
    const body = new RequestBody(source, 100, (n) => counted.push(n));
    const first = body.open();
    source.write('one-');
    await new Promise((r) => first.once('data', r));
    const second = body.open();
    expect(first.destroyed).toBe(true);
    const pending = text(second);
    source.end('two');
    expect(await pending).toBe('one-two');
    expect(counted).toEqual([4, 3]);
  });

  it('stops being replayable past the limit, but still streams the whole body once', async () => {
    const chunk = Buffer.alloc(1000, 'x');
    const body = new RequestBody(Readable.from([chunk, chunk, chunk]), 1500);
    const all = await text(body.open());
    expect(all.length).toBe(3000);
    expect(body.replayable).toBe(false);
    expect(() => body.open()).toThrow(/cannot be resent/);
  });

  it('reads the downstream only as fast as the attempt consumes it', async () => {
    const source = new PassThrough();
    const body = new RequestBody(source, 4 << 20);
    const stream = body.open();
    // 1 MiB waits in the source; nothing reads `stream` beyond its own buffer.
    for (let i = 0; i < 64; i++) source.write(Buffer.alloc(16 * 1024));
    await new Promise((r) => setTimeout(r, 20));
    expect(body.bytesReceived).toBeLessThan(256 * 1024);
    stream.resume();
    source.end();
    await new Promise((r) => stream.once('end', r));
    expect(body.bytesReceived).toBe(1 << 20);
  });

  it('fails the attempt when the downstream body breaks off, and settles complete', async () => {
    const source = new PassThrough();
    const body = new RequestBody(source);
    const stream = body.open();
    source.write('partial');
    source.destroy(new Error('client went away'));
    await expect(text(stream)).rejects.toThrow('client went away');
    await body.complete;
  });
});

describe('hasBody', () => {
  it('follows RFC 9112: Transfer-Encoding or a non-zero Content-Length', () => {
    expect(hasBody({})).toBe(false);
    expect(hasBody({ 'content-length': '0' })).toBe(false);
    expect(hasBody({ 'content-length': '3' })).toBe(true);
    expect(hasBody({ 'transfer-encoding': 'chunked' })).toBe(true);
  });
});
