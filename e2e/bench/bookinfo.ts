// The Bookinfo config from samples/bookinfo, and the ConfigService calls the bench makes: Apply
// (with the local bearer token) and ProxyStatus (the control plane's own view of who ACKed).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import {
  decodeApplyResponse,
  decodeProxyStatusResponse,
  encodeApplyRequest,
  encodeProxyStatusRequest,
  loadMeshProtos,
  type ApplyResponse,
  type ConfigDocument,
  type ProxyStatusRow,
} from '@mesh/proto';
import YAML from 'yaml';
import { findUp } from './control-plane-process.js';

// The Istio resources of the sample (platform.yaml holds Kubernetes Services, which the control
// plane does not store: services come from the proxies that register).
const BOOKINFO_FILES = [
  'destination-rule-all.yaml',
  'bookinfo-gateway.yaml',
  'virtual-service-all-v1.yaml',
] as const;

const ISTIO_API_GROUP = 'networking.istio.io/';
const CALL_TIMEOUT_MS = 30_000;

/** One Document per YAML document of the Bookinfo files, text as written. */
export function bookinfoDocuments(): ConfigDocument[] {
  const dir = findUp('samples/bookinfo');
  const out: ConfigDocument[] = [];
  for (const file of BOOKINFO_FILES) {
    const docs = YAML.parseAllDocuments(readFileSync(join(dir, file), 'utf8'));
    docs.forEach((doc, index) => {
      if (doc.errors.length > 0) throw new Error(`${file}[${index}]: ${doc.errors[0]!.message}`);
      const obj = doc.toJSON() as {
        apiVersion?: string;
        kind?: string;
        metadata?: { name?: string; namespace?: string };
      } | null;
      if (!obj?.apiVersion?.startsWith(ISTIO_API_GROUP)) return;
      out.push({
        kind: obj.kind ?? '',
        name: obj.metadata?.name ?? '',
        namespace: obj.metadata?.namespace ?? 'default',
        resourceVersion: '',
        text: doc.toString(),
        source: { file: `samples/bookinfo/${file}`, document: index },
      });
    });
  }
  return out;
}

/** The `reviews` VirtualService of virtual-service-all-v1.yaml, pinned to another subset. */
export function reviewsTo(subset: string): ConfigDocument {
  return {
    kind: 'VirtualService',
    name: 'reviews',
    namespace: 'default',
    resourceVersion: '',
    text: `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: reviews
spec:
  hosts:
    - reviews
  http:
    - route:
        - destination:
            host: reviews
            subset: ${subset}
`,
  };
}

export interface ConfigClient {
  apply(documents: readonly ConfigDocument[]): Promise<ApplyResponse>;
  proxyStatus(): Promise<readonly ProxyStatusRow[]>;
  close(): void;
}

export function configClient(address: string, token: string): ConfigClient {
  const { ConfigService } = loadMeshProtos();
  const client = new ConfigService(address, grpc.credentials.createInsecure());
  const metadata = () => {
    const md = new grpc.Metadata();
    // grpc-js refuses call credentials on an insecure channel: the token rides as metadata.
    md.set('authorization', `Bearer ${token}`);
    return md;
  };
  const deadline = () => ({ deadline: Date.now() + CALL_TIMEOUT_MS });
  return {
    apply: (documents) =>
      new Promise((resolve, reject) =>
        client.Apply(
          encodeApplyRequest({ documents, dryRun: false }),
          metadata(),
          deadline(),
          (err, wire) => (err ? reject(err) : resolve(decodeApplyResponse(wire!))),
        ),
      ),
    proxyStatus: () =>
      new Promise((resolve, reject) =>
        client.ProxyStatus(
          encodeProxyStatusRequest({ namespace: '', proxyId: '' }),
          metadata(),
          deadline(),
          (err, wire) => (err ? reject(err) : resolve(decodeProxyStatusResponse(wire!).proxies)),
        ),
      ),
    close: () => client.close(),
  };
}
