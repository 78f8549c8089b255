import { portProtocol } from './index.js';

describe('portProtocol', () => {
  it.each([
    [{ protocol: 'HTTP2', name: 'tcp' }, 'HTTP2'],
    [{ protocol: 'grpc' }, 'GRPC'],
    [{ protocol: 'Mongo' }, 'TCP'],
    [{ protocol: 'bogus', name: 'https-web' }, 'HTTPS'],
    [{ name: 'http' }, 'HTTP'],
    [{ name: 'http-api' }, 'HTTP'],
    [{ name: 'HTTP2-x' }, 'HTTP2'],
    [{ name: 'grpc-web' }, 'HTTP'],
    [{ name: 'grpc-admin' }, 'GRPC'],
    [{ name: 'tls-passthrough' }, 'TLS'],
    [{ name: 'web' }, 'TCP'],
    [{ name: 'httpx' }, 'TCP'],
    [{}, 'TCP'],
  ] as const)('%j is %s', (port, expected) => {
    expect(portProtocol(port)).toBe(expected);
  });
});
