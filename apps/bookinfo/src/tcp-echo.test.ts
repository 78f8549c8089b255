import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import type { RunningService } from './service.js';
import { createTcpEcho } from './tcp-echo.js';
import { HOST, listen, startOnPort0 } from './test-support/http.js';

/** Writes each chunk in turn, half-closes, and gives back everything read until the server ends. */
function converse(port: number, chunks: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, HOST);
    const received: Buffer[] = [];
    socket.on('data', (c: Buffer) => received.push(c));
    socket.on('end', () => resolve(Buffer.concat(received).toString('utf8')));
    socket.on('error', reject);
    socket.on('connect', async () => {
      for (const chunk of chunks) {
        socket.write(chunk);
        // Separate writes, so that lines really arrive split across reads.
        await new Promise((r) => setTimeout(r, 10));
      }
      socket.end();
    });
  });
}

describe('tcp-echo', () => {
  const running: RunningService[] = [];
  const start = async (version: string, prefix: string) => {
    const service = await startOnPort0({ service: 'tcp-echo', version, prefix });
    running.push(service);
    return service;
  };
  afterAll(() => Promise.all(running.map((s) => s.close())));

  it('prefixes every line, however it is split, and drops a last unterminated line at EOF', async () => {
    // Istio's tcp-echo reads with ReadBytes('\n') and returns on io.EOF without echoing the rest.
    const v1 = await start('v1', 'one');
    expect(await converse(v1.port, ['hello\nwor', 'ld\n', 'tail'])).toBe('one hello\none world\n');
    expect(await converse(v1.port, ['no newline at all'])).toBe('');
  });

  it('uses the prefix it was given, keeps a \\r, and echoes empty lines', async () => {
    const v2 = await start('v2', 'two');
    expect(await converse(v2.port, ['a\r\n\nb\n'])).toBe('two a\r\ntwo \ntwo b\n');
    const custom = await start('v1', 'hello');
    expect(await converse(custom.port, ['x\n'])).toBe('hello x\n');
  });

  it('ends a connection that sends nothing', async () => {
    const v1 = await start('v1', 'one');
    expect(await converse(v1.port, [])).toBe('');
  });

  it('drops a client that never ends its line, and keeps serving others', async () => {
    const v1 = await start('v1', 'one');
    const closed = new Promise<void>((resolve) => {
      const socket = connect(v1.port, HOST, () => socket.write('x'.repeat(200_000)));
      socket.on('error', () => {});
      socket.on('close', () => resolve());
    });
    await closed;
    expect(await converse(v1.port, ['still here\n'])).toBe('one still here\n');
  });

  it('stops reading from a client that sends and never reads, its echo buffered only a chunk at a time', async () => {
    const echo = createTcpEcho('one');
    const port = await listen(echo.server);
    const accepted: Socket[] = [];
    echo.server.on('connection', (s: Socket) => accepted.push(s));
    // What the server may hold for one client: one 64 KiB read of newlines echoes as 320 KiB.
    const BOUND = 1024 * 1024;
    const client = connect(port, HOST);
    client.on('error', () => {});
    try {
      await once(client, 'connect');
      // Newlines only: each byte is a line, and each comes back as five ("one \n").
      const chunk = Buffer.alloc(64 * 1024, '\n');
      let sent = 0;
      let stalled = false;
      // Without backpressure the server reads all of it and buffers five times as much; the loop
      // then stops at BOUND, or after 64 MiB, and the expectations below fail.
      while (sent < 64 * 1024 * 1024 && (accepted[0]?.writableLength ?? 0) <= BOUND) {
        sent += chunk.length;
        // The server runs in this process too: let it read between writes.
        if (client.write(chunk)) {
          await new Promise((r) => setImmediate(r));
          continue;
        }
        const drained = once(client, 'drain').then(() => true);
        const timedOut = new Promise<boolean>((r) => setTimeout(() => r(false), 500));
        if (!(await Promise.race([drained, timedOut]))) {
          stalled = true;
          break;
        }
      }
      const server = accepted[0]!;
      expect(stalled).toBe(true);
      expect(server.writableLength).toBeLessThanOrEqual(BOUND);
      expect(server.bytesRead).toBeLessThan(sent);

      // Others are served meanwhile.
      expect(await converse(port, ['still here\n'])).toBe('one still here\n');

      // Once the client reads, everything it sent comes back, nothing lost to the pauses.
      let received = 0;
      client.on('data', (c: Buffer) => (received += c.length));
      const ended = once(client, 'end');
      client.end();
      await ended;
      expect(received).toBe(sent * 5);
    } finally {
      client.destroy();
      await echo.close();
    }
  });
});
