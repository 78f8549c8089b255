import { parseTimeout, resolveAddress, withControlPlane } from './connection.js';
import { InputError } from './inputs.js';
import { GRPC_STATUS, RpcError } from './rpc.js';
import { fakeControlPlane } from './test-support/fake-control-plane.js';
import { memoryIo } from './test-support/memory-io.js';

describe('resolveAddress', () => {
  it('prefers --control-plane, then MESH_CONTROL_PLANE, then localhost:15010', () => {
    expect(resolveAddress('cp:9000', { MESH_CONTROL_PLANE: 'env:1' })).toBe('cp:9000');
    expect(resolveAddress(undefined, { MESH_CONTROL_PLANE: 'env:1' })).toBe('env:1');
    expect(resolveAddress(undefined, {})).toBe('localhost:15010');
    expect(resolveAddress('  ', {})).toBe('localhost:15010');
  });

  it('adds the control plane port to a bare host', () => {
    expect(resolveAddress('cp.mesh.svc', {})).toBe('cp.mesh.svc:15010');
    expect(resolveAddress('[::1]:15010', {})).toBe('[::1]:15010');
  });
});

describe('parseTimeout', () => {
  it.each([
    [undefined, 10_000],
    ['10s', 10_000],
    ['500ms', 500],
    ['1m', 60_000],
    ['1.5s', 1500],
    ['3', 3000],
    ['0', 0],
  ])('%s -> %i ms', (text, ms) => {
    expect(parseTimeout(text)).toBe(ms);
  });

  it.each(['ten', '-1s', '10 s', ''])('rejects %j as usage', (text) => {
    expect(() => parseTimeout(text)).toThrow(InputError);
  });
});

describe('withControlPlane', () => {
  it('connects with the address, token and deadline, and closes the client', async () => {
    const fake = fakeControlPlane({}, { MESH_TOKEN: 't0k', MESH_CONTROL_PLANE: 'cp:1' });
    const io = memoryIo();
    const code = await withControlPlane({ timeout: '2s' }, io, fake.deps, async (_c, context) => {
      expect(context).toEqual({ address: 'cp:1', timeoutMs: 2000 });
      return 0;
    });
    expect(code).toBe(0);
    expect(fake.connects).toEqual([{ address: 'cp:1', token: 't0k', timeoutMs: 2000 }]);
    expect(fake.closed()).toBe(1);
  });

  it('connects without a token when none is known', async () => {
    const fake = fakeControlPlane({});
    await withControlPlane({}, memoryIo(), fake.deps, async () => 0);
    expect(fake.connects).toEqual([{ address: 'localhost:15010', timeoutMs: 10_000 }]);
  });

  it('turns an unhandled RpcError into its message and exit code, and still closes', async () => {
    const fake = fakeControlPlane({});
    const io = memoryIo();
    const code = await withControlPlane({}, io, fake.deps, async () => {
      throw new RpcError(GRPC_STATUS.UNAUTHENTICATED, 'bad token');
    });
    expect(code).toBe(1);
    expect(io.err()).toMatch(/^Error: the control plane refused the call: bad token\. /);
    expect(fake.closed()).toBe(1);
  });

  it('lets other errors through for the internal-error guard', async () => {
    const fake = fakeControlPlane({});
    await expect(
      withControlPlane({}, memoryIo(), fake.deps, async () => {
        throw new Error('bug');
      }),
    ).rejects.toThrow('bug');
    expect(fake.closed()).toBe(1);
  });
});
