// A ControlPlaneClient double that records each call, for command tests that need no socket.
import type { ConnectOptions, ControlPlaneClient, ControlPlaneDeps } from '../connection.js';
import type { Env } from '../token.js';

export type Method = Exclude<keyof ControlPlaneClient, 'close'>;

export interface FakeControlPlane {
  deps: ControlPlaneDeps;
  /** Every call in order: method and request. */
  calls: { method: Method; request: unknown }[];
  connects: ConnectOptions[];
  closed: () => number;
}

/** Methods not given fail the test loudly: a command called something it should not have. */
export function fakeControlPlane(
  handlers: Partial<Omit<ControlPlaneClient, 'close'>>,
  env: Env = {},
  homeDir = '/home/test',
): FakeControlPlane {
  const calls: FakeControlPlane['calls'] = [];
  const connects: ConnectOptions[] = [];
  let closed = 0;
  const method =
    <M extends Method>(name: M) =>
    (request: Parameters<ControlPlaneClient[M]>[0]) => {
      calls.push({ method: name, request });
      const handler = handlers[name] as ((r: unknown) => Promise<unknown>) | undefined;
      if (!handler) throw new Error(`unexpected ${name} call`);
      return handler(request);
    };
  const client = {
    apply: method('apply'),
    get: method('get'),
    list: method('list'),
    delete: method('delete'),
    proxyStatus: method('proxyStatus'),
    close: () => void (closed += 1),
  } as ControlPlaneClient;
  return {
    deps: {
      env,
      homeDir,
      connect: async (options) => {
        connects.push(options);
        return client;
      },
    },
    calls,
    connects,
    closed: () => closed,
  };
}
