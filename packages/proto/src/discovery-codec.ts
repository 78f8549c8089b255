// DiscoveryService messages <-> plain domain types. Wire objects are what @grpc/proto-loader
// gives with LOADER_OPTIONS (defaults on: absent strings are '', absent messages null), so
// "required" checks test for emptiness, not presence.
import { createHash } from 'node:crypto';
import { WireDecodeError } from './errors.js';
import type { DiscoveryRequest as WireRequestIn } from './generated/mesh/v1/DiscoveryRequest.js';
import type { DiscoveryRequest__Output as WireRequest } from './generated/mesh/v1/DiscoveryRequest.js';
import type { DiscoveryResponse as WireResponseIn } from './generated/mesh/v1/DiscoveryResponse.js';
import type { DiscoveryResponse__Output as WireResponse } from './generated/mesh/v1/DiscoveryResponse.js';
import type { Node__Output as WireNode } from './generated/mesh/v1/Node.js';
import type { Resource__Output as WireResource } from './generated/mesh/v1/Resource.js';

/** Type URLs served on the discovery stream. */
export const TYPE_URLS = {
  listeners: 'type.mesh.dev/mesh.v1.Listener',
  routes: 'type.mesh.dev/mesh.v1.RouteTable',
  clusters: 'type.mesh.dev/mesh.v1.Cluster',
  endpoints: 'type.mesh.dev/mesh.v1.Endpoints',
} as const;

/** Reserved so nobody reuses the name; not served yet, so codecs reject it. */
export const RESERVED_TYPE_URLS = {
  secrets: 'type.mesh.dev/mesh.v1.Secret',
} as const;

export type TypeUrl = (typeof TYPE_URLS)[keyof typeof TYPE_URLS];

const KNOWN_TYPE_URLS: ReadonlySet<string> = new Set(Object.values(TYPE_URLS));
const RESERVED: ReadonlySet<string> = new Set(Object.values(RESERVED_TYPE_URLS));

export function isTypeUrl(value: string): value is TypeUrl {
  return KNOWN_TYPE_URLS.has(value);
}

/** The only body encoding defined. */
export const JSON_CONTENT_TYPE = 'application/json';

export interface WorkloadPort {
  readonly name: string;
  readonly number: number;
  /** "HTTP", "HTTP2", "GRPC", "TCP"; '' = derive from the name. */
  readonly protocol: string;
  /** 0 = same as number. */
  readonly targetPort: number;
  /** Port other proxies connect to (the sidecar's inbound listener); 0 = same as number. */
  readonly endpointPort: number;
}

export interface ProxyNode {
  readonly id: string;
  readonly workloadName: string;
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly serviceAccount: string;
  readonly addresses: readonly string[];
  readonly ports: readonly WorkloadPort[];
  readonly proxyVersion: string;
  readonly ready: boolean;
  /** "region/zone/subzone" where the workload runs; '' when unknown. */
  readonly locality: string;
}

/** The error_detail of a NACK: a gRPC status code (never 0) and a message. */
export interface NackDetail {
  readonly code: number;
  readonly message: string;
}

export interface DiscoveryRequest {
  readonly node: ProxyNode;
  readonly typeUrl: TypeUrl;
  readonly versionInfo: string;
  readonly responseNonce: string;
  /** Present only on a NACK. */
  readonly errorDetail?: NackDetail;
  readonly resourceNames: readonly string[];
}

/** A resource with its body decoded from JSON; `T` is the @mesh/rules type the caller expects. */
export interface DiscoveryResource<T = unknown> {
  readonly name: string;
  /** Content hash of the body (see resourceVersion). */
  readonly version: string;
  readonly body: T;
}

export interface DiscoveryResponse<T = unknown> {
  readonly typeUrl: TypeUrl;
  readonly versionInfo: string;
  readonly nonce: string;
  readonly resources: readonly DiscoveryResource<T>[];
  readonly removedResources: readonly string[];
  /** True: resources are changes since the last ACKed set; false: the complete set. */
  readonly incremental: boolean;
}

/**
 * What a request means. A subscription has no nonce (first request for a type, or after a
 * reconnect); an ACK echoes a nonce without error_detail; a NACK echoes one with it.
 */
export type RequestKind = 'subscribe' | 'ack' | 'nack';

export function requestKind(req: DiscoveryRequest): RequestKind {
  if (!req.responseNonce) return 'subscribe';
  return req.errorDetail ? 'nack' : 'ack';
}

/** The ACK a proxy sends after applying `res`. */
export function ackFor(node: ProxyNode, res: DiscoveryResponse): DiscoveryRequest {
  return {
    node,
    typeUrl: res.typeUrl,
    versionInfo: res.versionInfo,
    responseNonce: res.nonce,
    resourceNames: [],
  };
}

/**
 * The NACK a proxy sends after rejecting `res`: it echoes the nonce, but version_info stays the
 * last version it applied ('' if none), so the control plane knows what the proxy still runs.
 */
export function nackFor(
  node: ProxyNode,
  res: DiscoveryResponse,
  lastAppliedVersion: string,
  error: NackDetail,
): DiscoveryRequest {
  return {
    node,
    typeUrl: res.typeUrl,
    versionInfo: lastAppliedVersion,
    responseNonce: res.nonce,
    errorDetail: error,
    resourceNames: [],
  };
}

/** Content hash used as Resource.version: sha256 of the JSON body, first 16 hex digits. */
export function resourceVersion(body: unknown): string {
  return createHash('sha256').update(jsonText(body)).digest('hex').slice(0, 16);
}

// The JSON a resource was hashed from, kept for encoding: a control plane sends one resource
// object to many proxies, and serializing its body once per proxy was most of its push CPU.
const encodedBodies = new WeakMap<DiscoveryResource, Buffer>();

/**
 * A resource with its version computed from its body. The body is serialized once, here; treat
 * it as immutable afterwards (encoding sends the bytes it was hashed from).
 */
export function makeResource<T>(name: string, body: T): DiscoveryResource<T> {
  const bytes = Buffer.from(jsonText(body), 'utf8');
  const resource = {
    name,
    version: createHash('sha256').update(bytes).digest('hex').slice(0, 16),
    body,
  };
  encodedBodies.set(resource, bytes);
  return resource;
}

function jsonText(body: unknown): string {
  const text = JSON.stringify(body);
  // undefined, functions and symbols have no JSON form; sending "" would fail on the far side.
  if (text === undefined) throw new TypeError('resource body has no JSON form');
  return text;
}

// --- decode ---------------------------------------------------------------------------------

function decodeTypeUrl(messageType: string, value: string): TypeUrl {
  if (!value) throw new WireDecodeError(messageType, 'typeUrl', 'missing', 'is required');
  if (RESERVED.has(value)) {
    throw new WireDecodeError(
      messageType,
      'typeUrl',
      'unknown-type-url',
      `"${value}" is reserved and not served yet`,
    );
  }
  if (!isTypeUrl(value)) {
    throw new WireDecodeError(
      messageType,
      'typeUrl',
      'unknown-type-url',
      `unknown type URL "${value}"`,
    );
  }
  return value;
}

function decodeNode(node: WireNode | null): ProxyNode {
  const T = 'DiscoveryRequest';
  if (!node) throw new WireDecodeError(T, 'node', 'missing', 'is required on every request');
  if (!node.id) throw new WireDecodeError(T, 'node.id', 'missing', 'is required');
  if (!node.namespace) throw new WireDecodeError(T, 'node.namespace', 'missing', 'is required');
  const ports = node.ports.map((p, i): WorkloadPort => {
    if (!Number.isInteger(p.number) || p.number < 1 || p.number > 65535) {
      throw new WireDecodeError(
        T,
        `node.ports[${i}].number`,
        'invalid',
        `${p.number} is not a port (1-65535)`,
      );
    }
    for (const field of ['targetPort', 'endpointPort'] as const) {
      if (p[field] > 65535) {
        throw new WireDecodeError(
          T,
          `node.ports[${i}].${field}`,
          'invalid',
          `${p[field]} is not a port (0-65535)`,
        );
      }
    }
    return {
      name: p.name,
      number: p.number,
      protocol: p.protocol,
      targetPort: p.targetPort,
      endpointPort: p.endpointPort,
    };
  });
  return {
    id: node.id,
    workloadName: node.workloadName,
    namespace: node.namespace,
    labels: { ...node.labels },
    serviceAccount: node.serviceAccount,
    addresses: [...node.addresses],
    ports,
    proxyVersion: node.proxyVersion,
    ready: node.ready,
    locality: node.locality,
  };
}

export function decodeDiscoveryRequest(wire: WireRequest): DiscoveryRequest {
  const T = 'DiscoveryRequest';
  const node = decodeNode(wire.node);
  const typeUrl = decodeTypeUrl(T, wire.typeUrl);
  const base = {
    node,
    typeUrl,
    versionInfo: wire.versionInfo,
    responseNonce: wire.responseNonce,
    resourceNames: [...wire.resourceNames],
  };
  if (!wire.errorDetail) return base;
  if (!wire.responseNonce) {
    throw new WireDecodeError(
      T,
      'responseNonce',
      'missing',
      'a NACK (errorDetail set) must name the response it rejects',
    );
  }
  if (wire.errorDetail.code === 0) {
    throw new WireDecodeError(T, 'errorDetail.code', 'invalid', 'must not be 0 (OK) in a NACK');
  }
  return {
    ...base,
    errorDetail: { code: wire.errorDetail.code, message: wire.errorDetail.message },
  };
}

function decodeResource(wire: WireResource, i: number): DiscoveryResource {
  const T = 'DiscoveryResponse';
  const at = `resources[${i}]`;
  if (!wire.name) throw new WireDecodeError(T, `${at}.name`, 'missing', 'is required');
  if (!wire.version) throw new WireDecodeError(T, `${at}.version`, 'missing', 'is required');
  if (wire.contentType !== JSON_CONTENT_TYPE) {
    throw new WireDecodeError(
      T,
      `${at}.contentType`,
      'invalid',
      `"${wire.contentType}" is not ${JSON_CONTENT_TYPE}`,
    );
  }
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(wire.body).toString('utf8'));
  } catch (err) {
    throw new WireDecodeError(
      T,
      `${at}.body`,
      'bad-body',
      `is not valid JSON (${(err as Error).message})`,
    );
  }
  return { name: wire.name, version: wire.version, body };
}

/**
 * Decodes a response; bodies are parsed JSON, typed `unknown` here because checking them against
 * the @mesh/rules schema for the type URL is the proxy's job, not the wire's.
 */
export function decodeDiscoveryResponse(wire: WireResponse): DiscoveryResponse {
  const T = 'DiscoveryResponse';
  const typeUrl = decodeTypeUrl(T, wire.typeUrl);
  if (!wire.nonce) throw new WireDecodeError(T, 'nonce', 'missing', 'is required');
  if (!wire.incremental && wire.removedResources.length > 0) {
    throw new WireDecodeError(
      T,
      'removedResources',
      'invalid',
      'must be empty unless incremental is set (a complete set names no removals)',
    );
  }
  const seen = new Set<string>();
  const resources = wire.resources.map((r, i) => {
    const decoded = decodeResource(r, i);
    // Two bodies under one name would leave the proxy's choice undefined.
    if (seen.has(decoded.name)) {
      throw new WireDecodeError(
        T,
        `resources[${i}].name`,
        'invalid',
        `"${decoded.name}" appears twice`,
      );
    }
    seen.add(decoded.name);
    return decoded;
  });
  return {
    typeUrl,
    versionInfo: wire.versionInfo,
    nonce: wire.nonce,
    resources,
    removedResources: [...wire.removedResources],
    incremental: wire.incremental,
  };
}

// --- encode ---------------------------------------------------------------------------------

export function encodeDiscoveryRequest(req: DiscoveryRequest): WireRequestIn {
  const n = req.node;
  return {
    node: {
      id: n.id,
      workloadName: n.workloadName,
      namespace: n.namespace,
      labels: { ...n.labels },
      serviceAccount: n.serviceAccount,
      addresses: [...n.addresses],
      ports: n.ports.map((p) => ({ ...p })),
      proxyVersion: n.proxyVersion,
      ready: n.ready,
      locality: n.locality,
    },
    typeUrl: req.typeUrl,
    versionInfo: req.versionInfo,
    responseNonce: req.responseNonce,
    errorDetail: req.errorDetail ? { ...req.errorDetail } : null,
    resourceNames: [...req.resourceNames],
  };
}

export function encodeDiscoveryResponse(res: DiscoveryResponse): WireResponseIn {
  return {
    typeUrl: res.typeUrl,
    versionInfo: res.versionInfo,
    nonce: res.nonce,
    resources: res.resources.map((r) => ({
      name: r.name,
      version: r.version,
      body: encodedBodies.get(r) ?? Buffer.from(jsonText(r.body), 'utf8'),
      contentType: JSON_CONTENT_TYPE,
    })),
    removedResources: [...res.removedResources],
    incremental: res.incremental,
  };
}
