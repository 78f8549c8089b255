import { createServer } from 'node:net';
import { runCli, type CliOutcome } from './cli.js';
import { HOST, listen, send } from './test-support/http.js';

async function run(argv: string[], env: NodeJS.ProcessEnv = {}) {
  let stdout = '';
  let stderr = '';
  const outcome: CliOutcome = await runCli(argv, env, {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
  });
  return { outcome, stdout, stderr };
}

describe('runCli', () => {
  it('prints the start line once listening, and serves /health', async () => {
    const { outcome, stdout, stderr } = await run(['reviews', '--version', 'v2', '--port', '0']);
    if (!('running' in outcome)) throw new Error(`did not start: ${stderr}`);
    try {
      expect(stdout).toBe(`bookinfo reviews v2 listening on 127.0.0.1:${outcome.running.port}\n`);
      expect(outcome.running.port).toBeGreaterThan(0);
      expect((await send(outcome.running.port, '/health')).body).toBe('{"status":"ok"}');
    } finally {
      await outcome.running.close();
    }
  });

  it.each([[['nosuch']], [['details', '--bogus']], [[]]])(
    'exits 2 with the usage on stderr for %j',
    async (argv) => {
      const { outcome, stdout, stderr } = await run(argv);
      expect(outcome).toEqual({ exitCode: 2 });
      expect(stdout).toBe('');
      expect(stderr).toMatch(/^bookinfo: .+\nusage: bookinfo <service> \[--version v1\]/);
    },
  );

  it('prints the usage on stdout for --help and exits 0', async () => {
    const { outcome, stdout } = await run(['--help']);
    expect(outcome).toEqual({ exitCode: 0 });
    expect(stdout).toMatch(/^usage: bookinfo <service>/);
  });

  it('exits 1 saying the port is in use', async () => {
    const taken = createServer();
    const port = await listen(taken);
    try {
      const { outcome, stdout, stderr } = await run(['details', '--port', String(port)]);
      expect(outcome).toEqual({ exitCode: 1 });
      expect(stdout).toBe('');
      expect(stderr).toBe(
        `bookinfo details v1: cannot start: port ${port} is already in use on ${HOST} (pick another with --port, or --port 0)\n`,
      );
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });

  it('exits 1 on a bad HTTP_PROXY or BOOKINFO_SERVICES', async () => {
    const proxy = await run(['productpage', '--port', '0'], { HTTP_PROXY: 'socks5://x:1' });
    expect(proxy.outcome).toEqual({ exitCode: 1 });
    expect(proxy.stderr).toMatch(/cannot start: HTTP_PROXY must be an http:\/\/ URL/);
    const services = await run(['productpage', '--port', '0'], { BOOKINFO_SERVICES: 'x' });
    expect(services.outcome).toEqual({ exitCode: 1 });
    expect(services.stderr).toMatch(/BOOKINFO_SERVICES: expected name=host:port/);
  });

  it('starts tcp-echo with the same start line', async () => {
    const { outcome, stdout } = await run(['tcp-echo', '--version', 'v2', '--port', '0']);
    if (!('running' in outcome)) throw new Error('did not start');
    await outcome.running.close();
    expect(stdout).toBe(`bookinfo tcp-echo v2 listening on 127.0.0.1:${outcome.running.port}\n`);
  });

  it('starts httpbin with the same start line, and writes its access lines after it', async () => {
    let stdout = '';
    const outcome = await runCli(
      ['httpbin', '--version', 'v2', '--port', '0'],
      {},
      {
        stdout: (t) => (stdout += t),
        stderr: (t) => {
          throw new Error(`unexpected stderr: ${t}`);
        },
      },
    );
    if (!('running' in outcome)) throw new Error('did not start');
    try {
      const { port } = outcome.running;
      expect(stdout).toBe(`bookinfo httpbin v2 listening on 127.0.0.1:${port}\n`);
      const answer = await send(port, '/status/418', { headers: { host: 'httpbin-shadow:8000' } });
      expect(answer.status).toBe(418);
      const lines = stdout.split('\n');
      expect(lines).toHaveLength(3);
      expect(lines[0]).toBe(`bookinfo httpbin v2 listening on 127.0.0.1:${port}`);
      expect(lines[1]).toMatch(
        /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z GET \/status\/418 host=httpbin-shadow:8000 status=418 version=v2$/,
      );
      expect(lines[2]).toBe('');
    } finally {
      await outcome.running.close();
    }
  });

  it('refuses httpbin v3 with exit 2', async () => {
    const { outcome, stderr } = await run(['httpbin', '--version', 'v3']);
    expect(outcome).toEqual({ exitCode: 2 });
    expect(stderr).toMatch(/^bookinfo: httpbin has no version v3 \(one of v1, v2\)\n/);
  });
});
