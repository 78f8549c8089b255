import { normalizeProtocol, portProtocol } from './protocol.js';

describe('portProtocol', () => {
  it.each([
    [{ protocol: 'HTTP2', name: 'tcp' }, 'HTTP2'],
    [{ protocol: 'grpc' }, 'GRPC'],
    [{ protocol: 'Mongo' }, 'TCP'],
    [{ protocol: 'HTTP_PROXY' }, 'HTTP'],
    [{ protocol: 'bogus', name: 'https-web' }, 'HTTPS'],
    [{ name: 'http' }, 'HTTP'],
    [{ name: 'http-api' }, 'HTTP'],
    [{ name: 'HTTP2-x' }, 'HTTP2'],
    [{ name: 'grpc-web' }, 'HTTP'],
    [{ name: 'grpc-admin' }, 'GRPC'],
    [{ name: 'tls-passthrough' }, 'TLS'],
    [{ name: 'redis-cache' }, 'TCP'],
    [{ name: 'web' }, 'TCP'],
    [{ name: 'httpx' }, 'TCP'],
    [{ name: 'constructor' }, 'TCP'],
    [{}, 'TCP'],
  ] as const)('%j is %s', (port, expected) => {
    expect(portProtocol(port)).toBe(expected);
  });
});

describe('normalizeProtocol', () => {
  it.each([
    ['http', 'HTTP'],
    ['grpc-WEB', 'GRPC-Web'],
    ['MYSQL', 'MySQL'],
    ['sctp', undefined],
    ['constructor', undefined],
    ['', undefined],
  ])('%j is %s', (protocol, expected) => {
    expect(normalizeProtocol(protocol)).toBe(expected);
  });
});
