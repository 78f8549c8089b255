import type { ServiceEntry, WorkloadEntry } from './api/index.js';
import { serviceEntryServices, type SelectableWorkload } from './service-entries.js';

const serviceEntry = (spec: ServiceEntry['spec'], namespace = 'default'): ServiceEntry =>
  ({
    apiVersion: 'networking.istio.io/v1',
    kind: 'ServiceEntry',
    metadata: { name: 'se', namespace },
    spec,
  }) as ServiceEntry;

const workloadEntry = (
  name: string,
  spec: WorkloadEntry['spec'],
  namespace = 'default',
): WorkloadEntry =>
  ({
    apiVersion: 'networking.istio.io/v1',
    kind: 'WorkloadEntry',
    metadata: { name, namespace },
    spec,
  }) as WorkloadEntry;

const workload = (
  proxyId: string,
  ports: SelectableWorkload['ports'],
  labels = { app: 'legacy' },
  namespace = 'default',
): SelectableWorkload => ({
  proxyId,
  namespace,
  labels,
  addresses: ['10.1.0.9'],
  ports,
  ready: true,
  locality: '',
});

const wport = (number: number, name = '', targetPort = 0, endpointPort = 0) => ({
  number,
  name,
  targetPort,
  endpointPort,
});

/** The endpoint ports of the single service `se` forms, as `source port` pairs. */
function endpointPorts(
  se: ServiceEntry,
  workloads: readonly SelectableWorkload[] = [],
  entries: readonly WorkloadEntry[] = [],
): [string, number | undefined][] {
  const [service] = serviceEntryServices(se, entries, workloads);
  const number = service!.ports[0]!.number;
  return service!.endpoints.map((e) => [e.source, e.ports[number]]);
}

describe('a ServiceEntry host as a service', () => {
  it('has one service per distinct host, the first port of each number, and its defaults', () => {
    const services = serviceEntryServices(
      serviceEntry({
        hosts: ['db', 'db', 'api.example.com'],
        ports: [
          { number: 5432, name: 'tcp-postgres' },
          { number: 5432, name: 'dup' },
          { number: 80, name: 'http-web', targetPort: 8080 },
        ],
        resolution: 'static',
        location: 'MESH_EXTERNAL',
      }),
      [],
      [],
    );
    expect(services).toEqual([
      expect.objectContaining({ host: 'db.default.svc.cluster.local' }),
      expect.objectContaining({ host: 'api.example.com' }),
    ]);
    expect(services[0]).toMatchObject({
      ports: [
        { number: 5432, protocol: 'TCP', name: 'tcp-postgres' },
        { number: 80, protocol: 'HTTP', name: 'http-web', targetPort: 8080 },
      ],
      exportTo: ['*'],
      resolution: 'STATIC',
      location: 'MESH_EXTERNAL',
      origin: 'ServiceEntry default/se',
      endpoints: [],
    });
  });

  it.each([
    ['DNS without endpoints resolves the host itself', 'DNS', ['api.example.com'], 1],
    ['DNS_ROUND_ROBIN too', 'DNS_ROUND_ROBIN', ['api.example.com'], 1],
    ['not a wildcard host', 'DNS', ['*.example.com'], 0],
    ['NONE (the default) forwards where the app asked', undefined, ['api.example.com'], 0],
    ['an unknown resolution is NONE', 'BOGUS', ['api.example.com'], 0],
  ] as const)('%s', (_rule, resolution, hosts, count) => {
    const [service] = serviceEntryServices(
      serviceEntry({
        hosts: [...hosts],
        ports: [{ number: 443, name: 'https', targetPort: 8443 }],
        ...(resolution && { resolution }),
      }),
      [],
      [],
    );
    expect(service!.endpoints).toHaveLength(count);
    if (count)
      expect(service!.endpoints[0]).toMatchObject({
        address: hosts[0],
        ports: { 443: 8443 },
        dns: true,
        source: 'ServiceEntry default/se',
      });
  });
});

describe('a ServiceEntry endpoint port', () => {
  const ports = [{ number: 8080, name: 'http', protocol: 'HTTP', targetPort: 9090 }];

  it.each([
    ['the port named after the service port', { http: 7070 }, 7070],
    ['else the service target port', { other: 7070 }, 9090],
    ['without ports, the target port', undefined, 9090],
  ] as const)('of an entry: %s', (_rule, entryPorts, port) => {
    const se = serviceEntry({
      hosts: ['legacy.internal'],
      ports,
      endpoints: [{ address: '10.1.0.1', ...(entryPorts && { ports: { ...entryPorts } }) }],
    });
    expect(endpointPorts(se)).toEqual([['ServiceEntry default/se', port]]);
  });

  it('of an entry: a port named like an Object built-in is looked up among its own names only', () => {
    const se = serviceEntry({
      hosts: ['legacy.internal'],
      ports: [
        { number: 8080, name: 'constructor' },
        { number: 8081, name: 'toString' },
      ],
      endpoints: [{ address: '10.1.0.1', ports: { toString: 7071 } }],
    });
    const [service] = serviceEntryServices(se, [], []);
    expect(service!.endpoints[0]!.ports).toEqual({ 8080: 8080, 8081: 7071 });
  });

  it.each([
    ['its port of the same name', [wport(8000, 'http', 0, 18000), wport(8080)], 18000],
    ['else its port of the same number', [wport(8080, 'web', 0, 18080)], 18080],
    // meshctl describe used to miss this one and show 9090 where proxies dial 19191.
    ['else its port fronting the service target port', [wport(9191, 'web', 9090, 19191)], 19191],
    ['else the service target port', [wport(7000, 'web', 7001)], 9090],
    ['its port number when it gives no endpoint port', [wport(9191, 'web', 9090)], 9191],
  ] as const)('of a selected registered workload: %s', (_rule, workloadPorts, port) => {
    const se = serviceEntry({
      hosts: ['legacy.internal'],
      ports,
      workloadSelector: { labels: { app: 'legacy' } },
    });
    expect(endpointPorts(se, [workload('legacy-v3', workloadPorts)])).toEqual([
      ['proxy legacy-v3', port],
    ]);
  });
});

describe('a ServiceEntry workloadSelector', () => {
  it('selects WorkloadEntries, then registered workloads, of its own namespace by label', () => {
    const se = serviceEntry({
      hosts: ['legacy.internal'],
      ports: [{ number: 8080, name: 'http' }],
      endpoints: [{ address: '10.1.0.5' }],
      workloadSelector: { labels: { app: 'legacy' } },
    });
    const entries = [
      workloadEntry('vm-1', { address: '10.1.0.1', labels: { app: 'legacy' }, weight: 2 }),
      workloadEntry('no-address', { labels: { app: 'legacy' } }),
      workloadEntry('unrelated', { address: '10.1.0.3', labels: { app: 'other' } }),
      workloadEntry('elsewhere', { address: '10.1.0.4', labels: { app: 'legacy' } }, 'other'),
    ];
    const workloads = [
      workload('legacy-v3', [wport(8080)]),
      workload('legacy-v4', [wport(8080)], { app: 'legacy' }, 'other'),
      workload('other-v1', [wport(8080)], { app: 'other' }),
    ];
    const [service] = serviceEntryServices(se, entries, workloads);
    expect(service!.endpoints.map((e) => [e.source, e.address, e.weight])).toEqual([
      ['ServiceEntry default/se', '10.1.0.5', 1],
      ['WorkloadEntry default/vm-1', '10.1.0.1', 2],
      ['proxy legacy-v3', '10.1.0.9', 1],
    ]);
    expect(service!.endpoints[2]!.workload).toBe(workloads[0]);
  });
});
