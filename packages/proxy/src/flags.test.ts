import {
  parseGatewayPorts,
  parseLabels,
  parseLocality,
  parseProxyFlags,
  parseServicePort,
} from './flags.js';

describe('mesh-proxy flags', () => {
  it('reads identity and ports from flags, with Istio-like defaults', () => {
    const f = parseProxyFlags(
      [
        '--workload',
        'reviews-v1',
        '--labels',
        'app=reviews,version=v1',
        '--service-port',
        'http:9080:19080:20001',
        '--service-port',
        'grpc-admin:9090',
      ],
      {},
    );
    expect(f.controlPlane).toBe('localhost:15010');
    expect(f.node).toMatchObject({
      workloadName: 'reviews-v1',
      namespace: 'default',
      labels: { app: 'reviews', version: 'v1' },
      addresses: ['127.0.0.1'],
      ready: false,
      ports: [
        { name: 'http', number: 9080, protocol: '', targetPort: 19080, endpointPort: 20001 },
        { name: 'grpc-admin', number: 9090, protocol: '', targetPort: 0, endpointPort: 0 },
      ],
    });
    expect(f.node.id).toBe(`reviews-v1-${process.pid}.default`);
    expect([f.outboundPort, f.adminPort, f.healthPort]).toEqual([15001, 15000, 15021]);
  });

  it('takes everything from env too', () => {
    const f = parseProxyFlags([], {
      MESH_WORKLOAD: 'productpage',
      MESH_NAMESPACE: 'shop',
      MESH_LABELS: 'app=productpage',
      MESH_SERVICE_PORTS: 'http:9080,tcp-db:5432',
      MESH_CONTROL_PLANE: '10.0.0.1:15010',
      MESH_OUTBOUND_PORT: '0',
    });
    expect(f.node.namespace).toBe('shop');
    expect(f.node.ports.map((p) => p.number)).toEqual([9080, 5432]);
    expect(f.controlPlane).toBe('10.0.0.1:15010');
    expect(f.outboundPort).toBe(0);
  });

  it('maps Gateway ports to local ones', () => {
    const f = parseProxyFlags(['--workload', 'ingress', '--gateway-ports', '80:8080,443:8443'], {});
    expect([...f.gatewayPorts]).toEqual([
      [80, 8080],
      [443, 8443],
    ]);
    expect(() => parseGatewayPorts('80')).toThrow(/"80" is not <gatewayPort>:<localPort>/);
  });

  it('rejects a missing workload and malformed values with the value named', () => {
    expect(() => parseProxyFlags([], {})).toThrow(/--workload/);
    expect(() => parseLabels('app')).toThrow(/"app" is not key=value/);
    expect(() => parseServicePort('9080')).toThrow(/expected name:port/);
    expect(() => parseServicePort('http:99999')).toThrow(/port 99999 is not a port/);
  });

  describe('--locality', () => {
    it('puts region/zone/subzone on the node, from the flag or MESH_LOCALITY', () => {
      const flag = parseProxyFlags(['--workload', 'reviews-v1', '--locality', 'us-east1/b/r7'], {});
      expect(flag.node.locality).toBe('us-east1/b/r7');
      const env = parseProxyFlags(['--workload', 'reviews-v1'], { MESH_LOCALITY: 'eu-west1/c' });
      expect(env.node.locality).toBe('eu-west1/c');
      // The flag wins over its env twin, as for every other flag.
      const both = parseProxyFlags(['--workload', 'r', '--locality', 'us'], {
        MESH_LOCALITY: 'eu',
      });
      expect(both.node.locality).toBe('us');
      expect(parseProxyFlags(['--workload', 'reviews-v1'], {}).node.locality).toBe('');
    });

    it('accepts one to three parts', () => {
      for (const ok of ['us-east1', 'us-east1/us-east1-b', 'us-east1/us-east1-b/rack-7', '']) {
        expect(parseLocality(ok)).toBe(ok);
      }
    });

    it('rejects empty parts, a fourth part and whitespace, naming the value', () => {
      expect(() => parseLocality('/us-east1-b')).toThrow(
        'locality "/us-east1-b" has an empty region: expected region[/zone[/subzone]]',
      );
      expect(() => parseLocality('us-east1//rack-7')).toThrow(
        /"us-east1\/\/rack-7" has an empty zone/,
      );
      expect(() => parseLocality('us-east1/b/')).toThrow(/has an empty subzone/);
      expect(() => parseLocality('a/b/c/d')).toThrow(/"a\/b\/c\/d" has 4 parts, at most 3/);
      expect(() => parseLocality('us east1')).toThrow(/contains whitespace/);
    });

    it('names the flag or its env twin when the value is bad', () => {
      const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
      try {
        expect(() => parseProxyFlags(['--workload', 'a', '--locality', '/b'], {})).toThrow(
          /option '--locality <region\/zone\/subzone>' argument '\/b' is invalid.*empty region/,
        );
        expect(() => parseProxyFlags(['--workload', 'a'], { MESH_LOCALITY: 'a/b/c/d' })).toThrow(
          /--locality .* from env 'MESH_LOCALITY' is invalid.*4 parts/,
        );
      } finally {
        stderr.mockRestore();
      }
    });
  });
});
