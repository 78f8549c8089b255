// The six Istio networking kinds we accept, as one discriminated union.
import type { Metadata } from './common.js';
import type { DestinationRuleSpec } from './destination-rule.js';
import type { GatewaySpec } from './gateway.js';
import type { ServiceEntrySpec } from './service-entry.js';
import type { SidecarSpec } from './sidecar.js';
import type { VirtualServiceSpec } from './virtual-service.js';
import type { WorkloadEntrySpec } from './workload-entry.js';

export const API_GROUP = 'networking.istio.io';
/** Versions Istio serves for these kinds; v1 is current, the others are the same schema. */
export const API_VERSIONS = ['v1', 'v1beta1', 'v1alpha3'] as const;
export type ApiVersion = `${typeof API_GROUP}/${(typeof API_VERSIONS)[number]}`;

export const KINDS = [
  'VirtualService',
  'DestinationRule',
  'Gateway',
  'ServiceEntry',
  'Sidecar',
  'WorkloadEntry',
] as const;
export type Kind = (typeof KINDS)[number];

interface SpecByKind {
  VirtualService: VirtualServiceSpec;
  DestinationRule: DestinationRuleSpec;
  Gateway: GatewaySpec;
  ServiceEntry: ServiceEntrySpec;
  Sidecar: SidecarSpec;
  WorkloadEntry: WorkloadEntrySpec;
}

/** Metadata after parsing: name and namespace always present (namespace defaults to "default"). */
export interface ResourceMetadata extends Metadata {
  name: string;
  namespace: string;
}

export interface ResourceOf<K extends Kind> {
  apiVersion: ApiVersion;
  kind: K;
  metadata: ResourceMetadata;
  spec: SpecByKind[K];
  /** Where the resource came from (file name and document index), for messages. */
  source?: { file?: string; document?: number };
}

export type VirtualService = ResourceOf<'VirtualService'>;
export type DestinationRule = ResourceOf<'DestinationRule'>;
export type Gateway = ResourceOf<'Gateway'>;
export type ServiceEntry = ResourceOf<'ServiceEntry'>;
export type Sidecar = ResourceOf<'Sidecar'>;
export type WorkloadEntry = ResourceOf<'WorkloadEntry'>;
export type Resource = { [K in Kind]: ResourceOf<K> }[Kind];

export const DEFAULT_NAMESPACE = 'default';

export function isKind(value: unknown): value is Kind {
  return typeof value === 'string' && (KINDS as readonly string[]).includes(value);
}

/** `VirtualService default/reviews`: how every message names a resource. */
export function resourceRef(r: {
  kind: string;
  metadata: { name?: string; namespace?: string };
}): string {
  return `${r.kind} ${r.metadata.namespace ?? DEFAULT_NAMESPACE}/${r.metadata.name ?? '<unnamed>'}`;
}
