// Real child processes (small node programs): readiness by line and by HTTP, crash and restart,
// giving up, and stopping in order.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ComponentSpec } from './plan.js';
import { freePort } from './ports.js';
import { componentEnv, Supervisor, type SupervisorEvent } from './supervisor.js';

let dir: string;
let events: SupervisorEvent[];
/** `spawned` events, kept apart: most tests are about what follows them. */
let spawned: SupervisorEvent[];
let supervisor: Supervisor;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'supervisor-'));
  events = [];
  spawned = [];
});

afterEach(async () => {
  await supervisor?.stopAll();
  rmSync(dir, { recursive: true, force: true });
});

function make(options: Partial<ConstructorParameters<typeof Supervisor>[0]> = {}): Supervisor {
  supervisor = new Supervisor({
    logDir: join(dir, 'logs'),
    onEvent: (e) => {
      if (e.kind === 'spawned') spawned.push(e);
      else events.push(e);
    },
    readyTimeoutMs: 5000,
    stopGraceMs: 2000,
    ...options,
  });
  return supervisor;
}

function program(name: string, source: string, ready: ComponentSpec['ready']): ComponentSpec {
  return {
    name,
    role: 'app',
    command: process.execPath,
    args: ['-e', source],
    env: {},
    ready,
    ports: {},
  };
}

const READY_LINE = { kind: 'line', pattern: /serving on (\d+)/ } as const;
/** Prints its ready line after a moment, then stays up until SIGTERM (or exits on its own). */
const server = (extra = '') =>
  `setTimeout(() => console.log('serving on 4242'), 100); setInterval(() => {}, 1000); ${extra}`;

const until = async (check: () => boolean, ms = 8000) => {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out; events: ${JSON.stringify(events)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
};

describe('Supervisor', () => {
  it('resolves once the ready line is printed, with its match, and logs to a file', async () => {
    const c = await make().start(program('app', server(), READY_LINE));
    expect(c.readyMatch()?.[1]).toBe('4242');
    expect(c.pid()).toBeGreaterThan(0);
    expect(readFileSync(c.log, 'utf8')).toContain('serving on 4242');
    expect(events).toEqual([
      expect.objectContaining({ kind: 'ready', name: 'app', restart: false }),
    ]);
  });

  it('waits for an HTTP readiness check to answer 200', async () => {
    const port = await freePort();
    const source = `
      let ready = false; setTimeout(() => (ready = true), 300);
      require('node:http')
        .createServer((req, res) => { res.statusCode = ready ? 200 : 503; res.end(); })
        .listen(${port}, '127.0.0.1');`;
    const started = Date.now();
    await make().start(
      program('http', source, { kind: 'http', url: `http://127.0.0.1:${port}/healthz/ready` }),
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
  });

  it('rejects with the end of the log when a component dies before it is ready', async () => {
    await expect(
      make().start(program('broken', "console.error('bad flag --x'); process.exit(3)", READY_LINE)),
    ).rejects.toThrow(/broken exited \(code 3\) before it was ready:\n.*bad flag --x/s);
  });

  it('kills a component that is not ready in time and says so', async () => {
    await expect(
      make({ readyTimeoutMs: 300 }).start(
        program('slow', 'setInterval(() => {}, 1000)', READY_LINE),
      ),
    ).rejects.toThrow(/slow was not ready within 0.3 s/);
  });

  it('restarts a component that crashes after it was ready', async () => {
    const marker = join(dir, 'crashed-once');
    // Crashes once (first run), then stays up.
    const source = server(
      `const fs = require('node:fs'); if (!fs.existsSync(${JSON.stringify(marker)})) setTimeout(() => { fs.writeFileSync(${JSON.stringify(marker)}, ''); console.error('boom'); process.exit(7); }, 200);`,
    );
    const c = await make().start(program('flaky', source, READY_LINE));
    const firstPid = c.pid();
    await until(() => events.filter((e) => e.kind === 'ready').length === 2);
    expect(events.map((e) => e.kind)).toEqual(['ready', 'exited', 'restarting', 'ready']);
    expect(events[1]).toMatchObject({
      kind: 'exited',
      code: 7,
      tail: expect.stringContaining('boom'),
    });
    expect(events[2]).toMatchObject({ kind: 'restarting', attempt: 1, delayMs: 1000 });
    expect(events[3]).toMatchObject({ kind: 'ready', restart: true });
    expect(c.pid()).not.toBe(firstPid);
    expect(c.restarts()).toBe(1);
  });

  it('gives up on a component that keeps crashing', async () => {
    const source = server('setTimeout(() => process.exit(1), 150);');
    await make({ maxRestarts: 1 }).start(program('doomed', source, READY_LINE));
    await until(() => events.some((e) => e.kind === 'gave-up'));
    expect(events.map((e) => e.kind)).toEqual([
      'ready',
      'exited',
      'restarting',
      'ready',
      'exited',
      'gave-up',
    ]);
  });

  it('stops components group by group in the order given, then the rest together', async () => {
    const order = join(dir, 'order');
    const s = make();
    const stopper = (name: string) =>
      server(
        `process.on('SIGTERM', () => { require('node:fs').appendFileSync(${JSON.stringify(order)}, '${name}\\n'); setTimeout(() => process.exit(0), 50); });`,
      );
    for (const name of ['cp', 'a', 'b', 'gateway'])
      await s.start(program(name, stopper(name), READY_LINE));
    await s.stopAll([['gateway'], ['cp']]);
    const stopped = readFileSync(order, 'utf8').trim().split('\n');
    expect(stopped.slice(0, 2)).toEqual(['gateway', 'cp']);
    expect(stopped.slice(2).sort()).toEqual(['a', 'b']);
    // Stopping is not crashing: nothing is restarted.
    expect(events.every((e) => e.kind === 'ready')).toBe(true);
  });

  it('kills a component that ignores SIGTERM after the grace period', async () => {
    const s = make({ stopGraceMs: 300 });
    const c = await s.start(
      program('stubborn', server("process.on('SIGTERM', () => {});"), READY_LINE),
    );
    const started = Date.now();
    await s.stopAll();
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(() => process.kill(c.pid()!, 0)).toThrow();
  });

  it('says a component was spawned, with its pid, before it is ready', async () => {
    const c = await make().start(program('app', server(), READY_LINE));
    expect(spawned).toEqual([{ kind: 'spawned', name: 'app', pid: c.pid() }]);
  });

  it('treats a restart that never gets ready as one more exit: backoff, then give up', async () => {
    const marker = join(dir, 'first-run-done');
    // The first run gets ready and crashes; every later run dies before it is ready.
    const source = `
      const fs = require('node:fs');
      if (fs.existsSync(${JSON.stringify(marker)})) { console.error('broken now'); process.exit(2); }
      fs.writeFileSync(${JSON.stringify(marker)}, '');
      setTimeout(() => console.log('serving on 1'), 50);
      setTimeout(() => process.exit(1), 200);`;
    await make({ maxRestarts: 2 }).start(program('relapsing', source, READY_LINE));
    await until(() => events.some((e) => e.kind === 'gave-up'), 15_000);
    expect(events.map((e) => e.kind)).toEqual([
      'ready',
      'exited',
      'restarting',
      'exited',
      'restarting',
      'exited',
      'gave-up',
    ]);
    expect(events[3]).toMatchObject({ tail: expect.stringContaining('broken now') });
  }, 20_000);

  it('refuses to start anything once it is stopping', async () => {
    const s = make();
    await s.stopAll();
    await expect(s.start(program('late', server(), READY_LINE))).rejects.toThrow(
      'not starting late: the local mesh is stopping',
    );
    expect(spawned).toEqual([]);
  });

  it('kills every component at once when asked to, without waiting', async () => {
    const s = make();
    const c = await s.start(program('a', server(), READY_LINE));
    s.killNow();
    await until(() => {
      try {
        process.kill(c.pid()!, 0);
        return false;
      } catch {
        return true;
      }
    });
    // Killed on purpose: not reported as a crash, not restarted.
    expect(events.map((e) => e.kind)).toEqual(['ready']);
  });

  it("starts components without the user's MESH_* variables, which every mesh program reads", () => {
    expect(
      componentEnv({ PATH: '/bin', MESH_ETCD_ENDPOINTS: 'http://x', MESH_HOME: '/h', HOME: '/r' }),
    ).toEqual({ PATH: '/bin', HOME: '/r' });
  });
});
