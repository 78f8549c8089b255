import { meshHome, resolveToken } from './token.js';
import { memoryIo } from './test-support/memory-io.js';

const home = '/home/ana';

describe('resolveToken', () => {
  const io = memoryIo({
    '/home/ana/.mesh/token': 'from-file\n',
    '/srv/mesh/token': '  other-file  \n',
    '/empty/token': '\n',
  });

  it('prefers --token, then MESH_TOKEN, then $MESH_HOME/token', async () => {
    const env = { MESH_TOKEN: 'from-env' };
    await expect(resolveToken('from-flag', env, home, io)).resolves.toEqual({
      token: 'from-flag',
      source: 'flag',
    });
    await expect(resolveToken(undefined, env, home, io)).resolves.toEqual({
      token: 'from-env',
      source: 'env',
    });
    await expect(resolveToken(undefined, {}, home, io)).resolves.toEqual({
      token: 'from-file',
      source: 'file',
    });
  });

  it('reads the file under MESH_HOME when set, trimmed', async () => {
    await expect(resolveToken(undefined, { MESH_HOME: '/srv/mesh' }, home, io)).resolves.toEqual({
      token: 'other-file',
      source: 'file',
    });
  });

  it('treats empty values and a missing or empty file as no token', async () => {
    await expect(resolveToken('', { MESH_TOKEN: ' ' }, home, io)).resolves.toEqual({
      token: 'from-file',
      source: 'file',
    });
    await expect(resolveToken(undefined, { MESH_HOME: '/nowhere' }, home, io)).resolves.toBe(
      undefined,
    );
    await expect(resolveToken(undefined, { MESH_HOME: '/empty' }, home, io)).resolves.toBe(
      undefined,
    );
  });
});

describe('meshHome', () => {
  it('defaults to ~/.mesh', () => {
    expect(meshHome({}, home)).toBe('/home/ana/.mesh');
    expect(meshHome({ MESH_HOME: '/srv/mesh' }, home)).toBe('/srv/mesh');
  });
});
