// A ProxyFleet in a worker thread, so the simulated proxies can use a second core while the
// bench's main thread only coordinates. Requests and replies carry an id; see workerFleet().
import { parentPort, Worker, workerData } from 'node:worker_threads';
import { ProxyFleet, type Fleet, type FleetSpec } from './proxy-fleet.js';

type Op = 'connect' | 'status' | 'expect' | 'arrivals' | 'close';

interface Request {
  id: number;
  op: Op;
  subset?: string;
}

interface Reply {
  id: number;
  result?: unknown;
  error?: string;
}

/** Starts a worker running proxies `spec.first ..`; the Fleet forwards each call to it. */
export function workerFleet(spec: FleetSpec): Fleet {
  const worker = new Worker(new URL(import.meta.url), { workerData: spec });
  const waiting = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  let nextId = 1;
  let failure: Error | undefined;
  const failAll = (err: Error) => {
    failure = err;
    for (const w of waiting.values()) w.reject(err);
    waiting.clear();
  };
  worker.on('message', (reply: Reply) => {
    const w = waiting.get(reply.id);
    if (!w) return;
    waiting.delete(reply.id);
    if (reply.error !== undefined) w.reject(new Error(`proxy worker: ${reply.error}`));
    else w.resolve(reply.result);
  });
  worker.on('error', (err) => failAll(err));
  worker.on('exit', (code) => failAll(new Error(`proxy worker exited with code ${code}`)));

  const call = <T>(op: Op, subset?: string): Promise<T> => {
    if (failure) return Promise.reject(failure);
    const id = nextId++;
    return new Promise<T>((resolve, reject) => {
      waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      worker.postMessage({ id, op, subset } satisfies Request);
    });
  };
  return {
    connect: () => call('connect'),
    status: () => call('status'),
    expect: (subset) => call('expect', subset),
    arrivals: () => call('arrivals'),
    close: async () => {
      await call('close').catch(() => undefined);
      await worker.terminate();
    },
  };
}

// Worker side: serve the requests of workerFleet() above.
if (parentPort && workerData) {
  const port = parentPort;
  const fleet = new ProxyFleet(workerData as FleetSpec);
  port.on('message', async (req: Request) => {
    try {
      let result: unknown;
      switch (req.op) {
        case 'connect':
          await fleet.connect();
          break;
        case 'status':
          result = fleet.status();
          break;
        case 'expect':
          fleet.expect(req.subset ?? '');
          break;
        case 'arrivals':
          result = fleet.arrivals();
          break;
        case 'close':
          fleet.close();
          break;
      }
      port.postMessage({ id: req.id, result } satisfies Reply);
    } catch (err) {
      port.postMessage({ id: req.id, error: (err as Error).message } satisfies Reply);
    }
  });
}
