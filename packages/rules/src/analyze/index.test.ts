import type { Resource } from '../api/resources.js';
import { parseResources } from '../parse.js';
import { analyze, FINDINGS } from './index.js';
import { analyzeYaml, doc } from './test-support/findings.js';

describe('analyze', () => {
  it('analyses ~2,000 generated resources through the indexes', () => {
    const docs: string[] = [];
    const knownHosts: string[] = [];
    for (let i = 0; i < 500; i++) {
      const ns = `ns${i % 25}`;
      knownHosts.push(`svc${i}.${ns}.svc.cluster.local`);
      // Every 10th route asks for a subset its DestinationRule lacks; every 50th host is unknown.
      const subset = i % 10 === 0 ? 'v9' : 'v1';
      const host = i % 50 === 0 ? `missing${i}` : `svc${i}`;
      docs.push(
        doc(
          'VirtualService',
          `name: vs${i}, namespace: ${ns}`,
          `{ hosts: [svc${i}], http: [{ route: [{ destination: { host: ${host}, subset: ${subset} } }] }] }`,
        ),
        doc(
          'DestinationRule',
          `name: dr${i}, namespace: ${ns}`,
          `{ host: ${host}, subsets: [{ name: v1, labels: { v: "1" } }] }`,
        ),
        doc(
          'ServiceEntry',
          `name: se${i}, namespace: ${ns}`,
          `{ hosts: [ext${i}.example.com], resolution: DNS }`,
        ),
        doc(
          'Gateway',
          `name: gw${i}, namespace: ${ns}`,
          `{ selector: { istio: ingressgateway }, servers: [{ port: { number: 80, name: http, protocol: HTTP }, hosts: ["*"] }] }`,
        ),
      );
    }
    const { resources, diagnostics } = parseResources(docs.join(''));
    expect(diagnostics).toEqual([]);
    expect(resources).toHaveLength(2000);
    const counts = new Map<string, number>();
    for (const d of analyze(resources, { knownHosts }))
      counts.set(d.code, (counts.get(d.code) ?? 0) + 1);
    expect(Object.fromEntries(counts)).toEqual({ 'MESH-A0001': 50, 'MESH-A0002': 10 });
  });

  it('takes severity from the code table and always gives a hint', () => {
    const all = analyzeYaml(
      doc(
        'VirtualService',
        'name: a',
        '{ hosts: [a], gateways: [gone], http: [{ route: [{ destination: { host: a, subset: x } }] }, { delegate: { name: nope } }] }',
      ) +
        doc(
          'VirtualService',
          'name: b',
          '{ hosts: [a], http: [{ route: [{ destination: { host: a } }] }] }',
        ) +
        doc('DestinationRule', 'name: d1', '{ host: ghost }') +
        doc('DestinationRule', 'name: d2', '{ host: ghost }'),
    );
    expect(new Set(all.map((d) => d.code)).size).toBeGreaterThanOrEqual(6);
    for (const d of all) {
      expect(d.severity).toBe(FINDINGS[d.code as keyof typeof FINDINGS].severity);
      expect(d.hint).toMatch(/\S/);
    }
  });

  it('names the values in its messages', () => {
    const [d] = analyzeYaml(
      doc(
        'VirtualService',
        'name: r',
        '{ hosts: [r], http: [{ route: [{ destination: { host: r, subset: v2 } }] }] }',
      ) +
        doc(
          'DestinationRule',
          'name: r',
          '{ host: r, subsets: [{ name: v1, labels: { v: "1" } }] }',
        ),
      ['r.default.svc.cluster.local'],
    );
    expect(d).toMatchObject({
      code: 'MESH-A0001',
      message:
        'subset "v2" is not defined: DestinationRule default/r for host "r.default.svc.cluster.local" defines only "v1"',
    });
  });

  it('never throws on resources missing the fields it reads', () => {
    const meta = (name: string) => ({ name, namespace: 'default' });
    const odd = [
      {
        apiVersion: 'networking.istio.io/v1',
        kind: 'VirtualService',
        metadata: meta('v'),
        spec: {},
      },
      {
        apiVersion: 'networking.istio.io/v1',
        kind: 'VirtualService',
        metadata: meta('w'),
        spec: { http: [{ match: [{}] }, {}], gateways: ['mesh'] },
      },
      {
        apiVersion: 'networking.istio.io/v1',
        kind: 'DestinationRule',
        metadata: meta('d'),
        spec: {},
      },
      { apiVersion: 'networking.istio.io/v1', kind: 'Gateway', metadata: meta('g'), spec: {} },
      { apiVersion: 'networking.istio.io/v1', kind: 'ServiceEntry', metadata: meta('s'), spec: {} },
      {
        apiVersion: 'networking.istio.io/v1',
        kind: 'VirtualService',
        metadata: meta('x'),
        spec: { hosts: ['x'], gateways: ['g'], http: [{ delegate: {} }] },
      },
    ] as Resource[];
    expect(() => analyze(odd)).not.toThrow();
    expect(analyze([])).toEqual([]);
  });
});
