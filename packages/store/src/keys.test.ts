import {
  configKey,
  configPrefix,
  MESH_CONFIG_KEY,
  parseKey,
  registryKey,
  registryPrefix,
} from './keys.js';

describe('key layout', () => {
  it('builds config keys under /mesh/v1/config/', () => {
    expect(configKey('VirtualService', 'default', 'reviews')).toBe(
      '/mesh/v1/config/VirtualService/default/reviews',
    );
    expect(configPrefix()).toBe('/mesh/v1/config/');
    expect(configPrefix('Gateway')).toBe('/mesh/v1/config/Gateway/');
    expect(configPrefix('Gateway', 'istio-system')).toBe('/mesh/v1/config/Gateway/istio-system/');
  });

  it('builds registry keys under /mesh/v1/registry/', () => {
    expect(registryKey('endpoints', 'default', 'reviews')).toBe(
      '/mesh/v1/registry/endpoints/default/reviews',
    );
    expect(registryPrefix('proxies')).toBe('/mesh/v1/registry/proxies/');
  });

  it('keeps the mesh config outside both prefixes', () => {
    expect(MESH_CONFIG_KEY).toBe('/mesh/v1/meshconfig');
    expect(MESH_CONFIG_KEY.startsWith(configPrefix())).toBe(false);
    expect(MESH_CONFIG_KEY.startsWith(registryPrefix())).toBe(false);
  });

  it('rejects segments that would make keys ambiguous', () => {
    expect(() => configKey('VirtualService', 'a/b', 'c')).toThrow(/namespace "a\/b"/);
    expect(() => configKey('', 'default', 'x')).toThrow(/kind ""/);
    expect(() => registryKey('endpoints', 'default', '')).toThrow(/name ""/);
  });

  it('parses keys back', () => {
    expect(parseKey(configKey('DestinationRule', 'prod', 'ratings'))).toEqual({
      area: 'config',
      kind: 'DestinationRule',
      namespace: 'prod',
      name: 'ratings',
    });
    expect(parseKey(registryKey('proxies', 'default', 'p-1'))?.area).toBe('registry');
    expect(parseKey(MESH_CONFIG_KEY)).toBeUndefined();
    expect(parseKey('/mesh/v1/config/a/b')).toBeUndefined();
  });
});
