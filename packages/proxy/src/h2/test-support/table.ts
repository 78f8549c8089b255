// Tables whose service ports declare a protocol (the HTTP test fixtures always say HTTP): the
// proxy picks HTTP/2 upstreams and tunnel handling by it, as Istio does by port name.
import { compileTable } from '../../config/compile-table.js';
import type { ProxyTable, TypeState } from '../../config/types.js';
import type { ClusterBody } from '@mesh/proto';

export function withPortProtocol(table: ProxyTable, protocol: string, host?: string): ProxyTable {
  const clusters: TypeState<ClusterBody> = {
    version: table.held.clusters.version,
    resources: new Map(
      [...table.held.clusters.resources].map(([name, r]) => [
        name,
        host && r.body.host !== host
          ? r
          : {
              version: r.version,
              body: { ...r.body, port: { ...r.body.port, protocol, name: protocol.toLowerCase() } },
            },
      ]),
    ),
  };
  return compileTable({ ...table.held, clusters }, table.generation + 1);
}
