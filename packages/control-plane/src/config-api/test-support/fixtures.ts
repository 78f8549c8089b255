// Documents as meshctl would send them: one resource per text, named by kind/namespace/name.
import type { ConfigDocument } from '@mesh/proto';

export function doc(
  kind: string,
  name: string,
  text: string,
  extra: Partial<ConfigDocument> = {},
): ConfigDocument {
  return { kind, namespace: '', name, resourceVersion: '', text, ...extra };
}

export function virtualService(
  name: string,
  host: string,
  subset?: string,
  namespace = '',
): string {
  return [
    'apiVersion: networking.istio.io/v1',
    'kind: VirtualService',
    'metadata:',
    `  name: ${name}`,
    ...(namespace ? [`  namespace: ${namespace}`] : []),
    'spec:',
    `  hosts: [${host}]`,
    '  http:',
    '  - route:',
    '    - destination:',
    `        host: ${host}`,
    ...(subset ? [`        subset: ${subset}`] : []),
    '',
  ].join('\n');
}

export function destinationRule(name: string, host: string, subsets: readonly string[]): string {
  return [
    'apiVersion: networking.istio.io/v1',
    'kind: DestinationRule',
    'metadata:',
    `  name: ${name}`,
    'spec:',
    `  host: ${host}`,
    '  subsets:',
    ...subsets.flatMap((s) => [`  - name: ${s}`, '    labels:', `      version: ${s}`]),
    '',
  ].join('\n');
}

export const vs = (name: string, subset?: string, extra: Partial<ConfigDocument> = {}) =>
  doc('VirtualService', name, virtualService(name, name, subset), extra);

export const dr = (name: string, subsets: readonly string[] = ['v1', 'v2']) =>
  doc('DestinationRule', name, destinationRule(name, name, subsets));

/** Hosts of the fixtures, known as Kubernetes Services would be. */
export const KNOWN_HOSTS = ['reviews', 'ratings', 'details', 'productpage'].map(
  (h) => `${h}.default.svc.cluster.local`,
);
