import { DEFAULT_MESH_SETTINGS, parseMeshConfig } from './mesh-config.js';

describe('parseMeshConfig', () => {
  it('empty text gives Istio defaults: no access log, tracing on at 1%', () => {
    expect(parseMeshConfig('')).toEqual({
      ok: true,
      settings: DEFAULT_MESH_SETTINGS,
      warnings: [],
    });
    expect(DEFAULT_MESH_SETTINGS).toMatchObject({
      accessLogFile: '',
      enableTracing: true,
      samplingPercent: 1,
    });
  });

  it('reads the access log file, tracing switch and sampling percentage', () => {
    const r = parseMeshConfig(
      'accessLogFile: /dev/stdout\naccessLogEncoding: JSON\nenableTracing: false\ndefaultConfig:\n  tracing:\n    sampling: 100\n',
    );
    expect(r).toEqual({
      ok: true,
      settings: {
        accessLogFile: '/dev/stdout',
        accessLogEncoding: 'JSON',
        enableTracing: false,
        samplingPercent: 100,
      },
      warnings: [],
    });
  });

  it('accepts the istio ConfigMap whole, reading data.mesh', () => {
    const r = parseMeshConfig(
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: istio, namespace: istio-system}\ndata:\n  mesh: |\n    accessLogFile: /tmp/a.log\n    defaultConfig:\n      tracing:\n        sampling: 0.5\n',
    );
    expect(r).toMatchObject({
      ok: true,
      settings: { accessLogFile: '/tmp/a.log', samplingPercent: 0.5 },
    });
  });

  it('names fields it does not implement in warnings and still loads', () => {
    const r = parseMeshConfig(
      'outboundTrafficPolicy: {mode: REGISTRY_ONLY}\naccessLogEncoding: TEXT\ndefaultConfig:\n  holdApplicationUntilProxyStarts: true\n  tracing: {zipkin: {address: z:9411}, sampling: 2}\n',
      'mesh.yaml',
    );
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.settings.samplingPercent).toBe(2);
    expect(r.warnings).toEqual([
      'mesh.yaml: outboundTrafficPolicy: not implemented by mesh; ignored',
      'mesh.yaml: accessLogEncoding: TEXT is not implemented; access logs are written as JSON',
      'mesh.yaml: defaultConfig.holdApplicationUntilProxyStarts: not implemented by mesh; ignored',
      'mesh.yaml: defaultConfig.tracing.zipkin: not implemented by mesh; ignored',
    ]);
  });

  it.each([
    [
      'defaultConfig: {tracing: {sampling: 101}}',
      'mesh.yaml: defaultConfig.tracing.sampling: must be a percentage from 0 to 100, got 101',
    ],
    [
      'defaultConfig: {tracing: {sampling: "1"}}',
      'mesh.yaml: defaultConfig.tracing.sampling: must be a percentage from 0 to 100, got "1"',
    ],
    [
      'enableTracing: yes please',
      'mesh.yaml: enableTracing: must be true or false, got "yes please"',
    ],
    [
      'accessLogFile: 3',
      "mesh.yaml: accessLogFile: must be a path string ('' for no access log), got 3",
    ],
    ['accessLogEncoding: XML', 'mesh.yaml: accessLogEncoding: must be JSON or TEXT, got "XML"'],
    ['- a\n- b', 'mesh.yaml: expected a mapping of MeshConfig fields'],
    [
      'kind: ConfigMap\ndata: {}',
      'mesh.yaml: data.mesh: a ConfigMap must carry the MeshConfig as text in data.mesh',
    ],
    [
      'kind: ConfigMap\ndata: {mesh: "enableTracing: 1"}',
      'mesh.yaml: data.mesh.enableTracing: must be true or false, got 1',
    ],
  ])('rejects %j naming the field', (text, error) => {
    expect(parseMeshConfig(text, 'mesh.yaml')).toEqual({ ok: false, errors: [error] });
  });

  it('rejects text that is not YAML', () => {
    const r = parseMeshConfig('a: [1,', 'mesh.yaml');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors[0]).toMatch(/^mesh.yaml: not YAML: /);
  });
});
