import { connect } from 'node:net';
import type { RunningService } from './service.js';
import { HOST, startOnPort0 } from './test-support/http.js';

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

  it('prefixes every line, however it is split, and echoes a last unterminated line at EOF', async () => {
    const v1 = await start('v1', 'one');
    expect(await converse(v1.port, ['hello\nwor', 'ld\n', 'tail'])).toBe(
      'one hello\none world\none tail\n',
    );
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
});
