// The built bin as the supervisor runs it: real processes.
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { join } from 'node:path';
import { connect } from 'node:net';
import type { Readable } from 'node:stream';
import { HOST, send } from './test-support/http.js';

const BIN = join(__dirname, '..', 'bin', 'bookinfo.js');

interface Spawned {
  readonly child: ChildProcessByStdio<null, Readable, Readable>;
  readonly exited: Promise<number | null>;
  stdout(): string;
  stderr(): string;
  /** Resolves once stdout holds `count` whole lines. */
  lines(count: number): Promise<string[]>;
}

function spawnBin(args: readonly string[]): Spawned {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const lines = (count: number) =>
    new Promise<string[]>((resolve, reject) => {
      const check = () => {
        const whole = stdout.split('\n').slice(0, -1);
        if (whole.length < count) return;
        child.stdout.off('data', check);
        resolve(whole);
      };
      child.stdout.on('data', check);
      check();
      void exited.then((code) => reject(new Error(`exited ${code}: ${stderr}`)));
    });
  return { child, exited, stdout: () => stdout, stderr: () => stderr, lines };
}

describe('bin/bookinfo.js', () => {
  it('prints the start line for --port 0, serves, and exits 0 within a second of SIGTERM', async () => {
    const bin = spawnBin(['ratings', '--port', '0']);
    try {
      const [line] = await bin.lines(1);
      const m = /^bookinfo ratings v1 listening on 127\.0\.0\.1:(\d+)$/.exec(line!);
      expect(m).not.toBeNull();
      expect(bin.stdout()).toBe(`${line}\n`);
      const port = Number(m![1]);
      expect(port).toBeGreaterThan(0);
      // A kept-alive connection must not hold the exit back.
      const client = connect(port, HOST);
      client.on('error', () => {});
      const clientClosed = new Promise((resolve) => client.on('close', resolve));
      const answer = await new Promise<string>((resolve) => {
        let text = '';
        client.on('data', (c: Buffer) => {
          text += c.toString();
          if (text.endsWith('{"status":"ok"}')) resolve(text);
        });
        client.write('GET /health HTTP/1.1\r\nHost: ratings:9080\r\n\r\n');
      });
      expect(answer).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*\{"status":"ok"\}$/);

      const signalled = Date.now();
      bin.child.kill('SIGTERM');
      expect(await bin.exited).toBe(0);
      expect(Date.now() - signalled).toBeLessThan(1000);
      await clientClosed;
      expect(bin.stderr()).toBe('');
    } finally {
      bin.child.kill('SIGKILL');
    }
  });

  it('runs httpbin: the start line first, then one access line per request on stdout', async () => {
    const bin = spawnBin(['httpbin', '--version', 'v2', '--port', '0']);
    try {
      const [line] = await bin.lines(1);
      const m = /^bookinfo httpbin v2 listening on 127\.0\.0\.1:(\d+)$/.exec(line!);
      expect(m).not.toBeNull();
      const port = Number(m![1]);
      const answer = await send(port, '/get?copy=1', { headers: { host: 'httpbin-shadow:8000' } });
      expect(answer.status).toBe(200);
      const lines = await bin.lines(2);
      expect(lines).toHaveLength(2);
      expect(lines[1]).toMatch(
        /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z GET \/get\?copy=1 host=httpbin-shadow:8000 status=200 version=v2$/,
      );
      bin.child.kill('SIGTERM');
      expect(await bin.exited).toBe(0);
      expect(bin.stderr()).toBe('');
    } finally {
      bin.child.kill('SIGKILL');
    }
  });
});
