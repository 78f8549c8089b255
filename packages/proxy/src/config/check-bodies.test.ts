import { TYPE_URLS, type DiscoveryResponse } from '@mesh/proto';
import { checkBodies, INVALID_ARGUMENT } from './check-bodies.js';
import {
  bookinfoResponses,
  cluster,
  endpoint,
  endpointsOf,
  responseOf,
  REVIEWS,
  routeTable,
  virtualService,
} from './test-support/bookinfo.js';

function nackMessage(res: DiscoveryResponse): string {
  const checked = checkBodies(res);
  if (checked.ok) throw new Error('expected a NACK');
  expect(checked.nack.code).toBe(INVALID_ARGUMENT);
  return checked.nack.message;
}

function withBody(res: DiscoveryResponse, name: string, body: unknown): DiscoveryResponse {
  return { ...res, resources: [{ name, version: 'x', body }] };
}

describe('checkBodies', () => {
  it('accepts every body of the Bookinfo config', () => {
    for (const res of bookinfoResponses()) {
      const checked = checkBodies(res);
      expect(checked).toMatchObject({ ok: true });
    }
  });

  it('NACKs a VirtualService with a negative weight, naming the resource and field', () => {
    const vs = virtualService('reviews', {
      hosts: ['reviews'],
      http: [{ route: [{ destination: { host: 'reviews' }, weight: -1 }] }],
    });
    expect(nackMessage(responseOf(TYPE_URLS.routes, [routeTable(vs, 1)], 'v2'))).toBe(
      'RouteTable default/reviews: virtualService.spec.http[0].route[0].weight: weight -1 is negative',
    );
  });

  it('NACKs a VirtualService with a bad duration', () => {
    const vs = virtualService('reviews', {
      hosts: ['reviews'],
      http: [{ route: [{ destination: { host: 'reviews' } }], timeout: 'soon' }],
    });
    expect(nackMessage(responseOf(TYPE_URLS.routes, [routeTable(vs, 1)], 'v2'))).toMatch(
      /^RouteTable default\/reviews: virtualService\.spec\.http\[0\]\.timeout: /,
    );
  });

  it('NACKs a VirtualService that is not structurally one', () => {
    const body = {
      ...routeTable(virtualService('reviews', { hosts: ['reviews'] }), 1),
      virtualService: {
        ...virtualService('reviews', { hosts: ['reviews'] }),
        spec: { hosts: 'reviews' },
      },
    };
    expect(
      nackMessage(withBody(responseOf(TYPE_URLS.routes, [], 'v2'), 'default/reviews', body)),
    ).toMatch(/^RouteTable default\/reviews: virtualService\.spec\.hosts: /);
  });

  it('NACKs a route table without an order or VirtualService', () => {
    const message = nackMessage(
      withBody(responseOf(TYPE_URLS.routes, [], 'v2'), 'default/x', { name: 'default/x' }),
    );
    expect(message).toContain('RouteTable default/x: order: expected a number, got nothing');
    expect(message).toContain('RouteTable default/x: virtualService: expected an object');
  });

  it('NACKs a cluster with a port out of range', () => {
    const bad = { ...cluster(REVIEWS), port: { number: 70000, protocol: 'HTTP', name: 'http' } };
    expect(nackMessage(responseOf(TYPE_URLS.clusters, [bad], 'v2'))).toBe(
      `Cluster ${bad.name}: port.number: 70000 is not a port (1-65535)`,
    );
  });

  it('NACKs a cluster with an unknown direction or a malformed traffic policy', () => {
    const bad = {
      ...cluster(REVIEWS),
      direction: 'sideways',
      trafficPolicy: { loadBalancer: { simple: 7 } },
    };
    const message = nackMessage(responseOf(TYPE_URLS.clusters, [bad], 'v2'));
    expect(message).toContain(
      `Cluster ${bad.name}: direction: expected one of outbound, inbound, got "sideways"`,
    );
    expect(message).toContain(`Cluster ${bad.name}: trafficPolicy.loadBalancer.simple: `);
  });

  it('NACKs a body filed under another name than its own', () => {
    const body = cluster(REVIEWS);
    expect(nackMessage(withBody(responseOf(TYPE_URLS.clusters, [], 'v2'), 'other', body))).toBe(
      `Cluster other: name: "${body.name}" is not the resource name "other"`,
    );
  });

  it('NACKs endpoints with a bad port or readiness', () => {
    const body = endpointsOf(cluster(REVIEWS), [
      endpoint(20001),
      { ...endpoint(0), ready: 'yes' as unknown as boolean },
    ]);
    const message = nackMessage(responseOf(TYPE_URLS.endpoints, [body], 'v2'));
    expect(message).toBe(
      `Endpoints ${body.cluster}: endpoints[1].port: 0 is not a port (1-65535); ` +
        `Endpoints ${body.cluster}: endpoints[1].ready: expected a boolean, got "yes"`,
    );
  });

  it('NACKs listeners with an unknown protocol or a bad bind port', () => {
    const inbound = {
      name: 'inbound|9080',
      direction: 'inbound',
      port: 9080,
      bindPort: -1,
      protocol: 'QUIC',
      targetPort: 9080,
      cluster: 'inbound|9080||',
    };
    const message = nackMessage(responseOf(TYPE_URLS.listeners, [inbound], 'v2'));
    expect(message).toContain('Listener inbound|9080: bindPort: -1 is not a port (1-65535)');
    expect(message).toContain(
      'Listener inbound|9080: protocol: expected one of HTTP, HTTP2, GRPC, TCP, TLS, HTTPS, got "QUIC"',
    );
  });

  it('counts problems past the first ten instead of listing them', () => {
    const bad = Array.from({ length: 12 }, (_, i) => ({
      ...cluster(REVIEWS, `s${i}`),
      resolution: 'MAGIC',
    }));
    const message = nackMessage(responseOf(TYPE_URLS.clusters, bad, 'v2'));
    expect(message.split('; ')).toHaveLength(11);
    expect(message).toMatch(/; and 2 more$/);
  });

  it('hands back the bodies as the shared schemas read them', () => {
    const body = {
      ...cluster(REVIEWS),
      trafficPolicy: {
        loadBalancer: { consistentHash: { httpHeaderName: 'x-user', minimumRingSize: '1024' } },
      },
    };
    const checked = checkBodies(responseOf(TYPE_URLS.clusters, [body], 'v2'));
    if (!checked.ok) throw new Error(checked.nack.message);
    expect(checked.response.resources[0]!.body).toMatchObject({
      trafficPolicy: { loadBalancer: { consistentHash: { minimumRingSize: 1024 } } },
    });
  });
});
