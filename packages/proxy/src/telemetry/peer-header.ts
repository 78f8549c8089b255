// Who is at the other end of a request, carried between sidecars in one header, as Istio's
// metadata exchange carries it in x-envoy-peer-metadata: the source sidecar sends its identity
// (and the service it routed to) on the request, the destination sidecar answers with its own on
// the response. Each side strips the header before the app sees it, so apps never learn about it
// and cannot answer with a forged one that survives. Without it the server side could not label
// requests with their source workload, nor the client side with the destination's version.
//
// The value is `key=value` pairs joined by `;`, values percent-encoded: readable in a packet
// capture, and parsed without a schema library on the hot path.
import type { Peer } from '@mesh/telemetry/events';

export const PEER_HEADER = 'x-mesh-peer';

/** What the header says: the peer workload, plus on requests the service the caller routed to. */
export interface PeerInfo extends Peer {
  /** FQDN of the destination service, sent by the source side only. */
  readonly service?: string;
}

const KEYS = { workload: 'w', namespace: 'ns', app: 'app', version: 'v', service: 'svc' } as const;
const MAX_LENGTH = 1024;

export function encodePeer(peer: PeerInfo): string {
  let out = `${KEYS.workload}=${enc(peer.workload)};${KEYS.namespace}=${enc(peer.namespace)};${KEYS.app}=${enc(peer.app)};${KEYS.version}=${enc(peer.version)}`;
  if (peer.service) out += `;${KEYS.service}=${enc(peer.service)}`;
  return out;
}

// A sidecar hears the same few peers all day: their parsed, frozen form is kept (bounded, so
// arbitrary values cannot grow it), which also lets telemetry find their series by identity.
const parsed = new Map<string, PeerInfo | undefined>();
const MAX_CACHED = 1024;

/** The peer the header names; undefined for an absent, oversized or malformed value. */
export function parsePeer(value: string | readonly string[] | undefined): PeerInfo | undefined {
  // A repeated header means someone other than a sidecar added one: trust neither.
  if (typeof value !== 'string' || value.length > MAX_LENGTH) return undefined;
  if (parsed.has(value)) return parsed.get(value);
  const peer = parseUncached(value);
  if (parsed.size >= MAX_CACHED) parsed.clear();
  parsed.set(value, peer);
  return peer;
}

function parseUncached(value: string): PeerInfo | undefined {
  let workload = '';
  let namespace = '';
  let app = '';
  let version = '';
  let service: string | undefined;
  for (const part of value.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) return undefined;
    const v = dec(part.slice(eq + 1));
    if (v === undefined) return undefined;
    switch (part.slice(0, eq)) {
      case KEYS.workload:
        workload = v;
        break;
      case KEYS.namespace:
        namespace = v;
        break;
      case KEYS.app:
        app = v;
        break;
      case KEYS.version:
        version = v;
        break;
      case KEYS.service:
        service = v;
        break;
      // Keys a newer sidecar adds are skipped, so mixed versions keep working.
    }
  }
  if (!workload && !namespace) return undefined;
  return Object.freeze(
    service === undefined
      ? { workload, namespace, app, version }
      : { workload, namespace, app, version, service },
  );
}

/** This sidecar's identity from its node: Istio's `app` and `version` labels. */
export function selfPeer(node: {
  readonly workloadName: string;
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
}): Peer {
  const labels = node.labels;
  return Object.freeze({
    workload: node.workloadName,
    namespace: node.namespace,
    // Istio's canonical service falls back from app to the workload name.
    app: labels['service.istio.io/canonical-name'] ?? labels['app'] ?? node.workloadName,
    version: labels['service.istio.io/canonical-revision'] ?? labels['version'] ?? '',
  });
}

function enc(v: string): string {
  return encodeURIComponent(v);
}

function dec(v: string): string | undefined {
  try {
    return decodeURIComponent(v);
  } catch {
    return undefined;
  }
}
