import type * as grpc from '@grpc/grpc-js';
import type { ProxyStatusRow } from '@mesh/proto';
import type { ConfigStore } from '@mesh/store';

export interface ConfigApiDeps {
  store: ConfigStore;
  /**
   * Called with the call metadata of mutating calls (Apply without dry_run, Delete); returns a
   * gRPC status (UNAUTHENTICATED) to fail with, or undefined to allow.
   */
  authorize(metadata: grpc.Metadata): Partial<grpc.StatusObject> | undefined;
  /**
   * Every connected proxy (of this replica and, when it can reach them, its peers); ProxyStatus
   * filters by namespace/proxy_id and orders them.
   */
  proxyStatus(): readonly ProxyStatusRow[] | Promise<readonly ProxyStatusRow[]>;
  /**
   * Hosts that exist outside the stored config (Kubernetes Services, registry workloads), as
   * FQDNs, so analysis does not report routes to them as "host not found". Default: none.
   */
  knownHosts?(): readonly string[];
}
