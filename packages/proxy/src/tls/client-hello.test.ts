import { createServer, type AddressInfo } from 'node:net';
import { connect } from 'node:tls';
import { readClientHello } from './client-hello.js';

/** The first bytes Node's TLS client sends (its ClientHello), captured by a plain TCP server. */
async function clientHello(servername: string | undefined): Promise<Buffer> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  const got = new Promise<Buffer>((resolve) =>
    server.once('connection', (socket) =>
      socket.once('data', (d: Buffer) => {
        resolve(d);
        socket.destroy();
      }),
    ),
  );
  const client = connect({
    host: '127.0.0.1',
    port,
    ...(servername !== undefined && { servername }),
  });
  client.on('error', () => undefined);
  const hello = await got;
  client.destroy();
  await new Promise((r) => server.close(r));
  return hello;
}

describe('readClientHello', () => {
  it('reads the SNI of a real ClientHello, lower-cased', async () => {
    const hello = await clientHello('Bookinfo.Example.com');
    expect(readClientHello(hello)).toEqual({ kind: 'hello', sni: 'bookinfo.example.com' });
  });

  it('has no SNI when the client sends none', async () => {
    // Node sends no server_name for an IP address.
    expect(readClientHello(await clientHello(undefined))).toEqual({
      kind: 'hello',
      sni: undefined,
    });
  });

  it('asks for more until the ClientHello is whole, byte by byte', async () => {
    const hello = await clientHello('a.example.com');
    for (let n = 0; n < hello.length; n++) {
      expect(readClientHello(hello.subarray(0, n)).kind).toBe('incomplete');
    }
    expect(readClientHello(hello)).toEqual({ kind: 'hello', sni: 'a.example.com' });
  });

  it('joins a ClientHello split over two handshake records', async () => {
    const hello = await clientHello('split.example.com');
    const payload = hello.subarray(5, 5 + hello.readUInt16BE(3));
    const record = (part: Buffer) =>
      Buffer.concat([Buffer.from([0x16, 0x03, 0x01, part.length >> 8, part.length & 0xff]), part]);
    const two = Buffer.concat([record(payload.subarray(0, 40)), record(payload.subarray(40))]);
    expect(readClientHello(two)).toEqual({ kind: 'hello', sni: 'split.example.com' });
  });

  it('says when the bytes are not TLS', () => {
    expect(readClientHello(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'))).toMatchObject({
      kind: 'not-tls',
    });
    // A handshake record whose message is not a ClientHello.
    expect(
      readClientHello(Buffer.from([0x16, 0x03, 0x01, 0x00, 0x04, 0x02, 0, 0, 0])),
    ).toMatchObject({
      kind: 'not-tls',
      reason: 'the first handshake message is not a ClientHello',
    });
  });

  it('never throws on truncated or garbled input', async () => {
    const hello = await clientHello('fuzz.example.com');
    for (let i = 5; i < hello.length; i += 7) {
      const garbled = Buffer.from(hello);
      garbled[i] = garbled[i]! ^ 0xff;
      expect(() => readClientHello(garbled)).not.toThrow();
    }
  });
});
