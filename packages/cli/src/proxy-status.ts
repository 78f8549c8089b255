import type {
  ProxyStatusResponse,
  ProxyStatusRow,
  SyncState,
  TypeSyncStatus,
  TypeUrl,
} from '@mesh/proto';
import { stringify as stringifyYaml } from 'yaml';
import {
  parseTimeout,
  withControlPlane,
  type ControlPlaneDeps,
  type ControlPlaneOptions,
} from './connection.js';
import { EXIT_FINDINGS, EXIT_OK, guarded } from './guard.js';
import { InputError } from './inputs.js';
import type { CliIo } from './io.js';
import { GRPC_STATUS, RpcError } from './rpc.js';
import { renderTable } from './table.js';

export type ProxyStatusOutput = 'table' | 'json' | 'yaml';
export const PROXY_STATUS_OUTPUTS: readonly ProxyStatusOutput[] = ['table', 'json', 'yaml'];

export interface ProxyStatusOptions extends ControlPlaneOptions {
  proxyId?: string;
  /** Only proxies in this namespace; every namespace when unset, as istioctl proxy-status. */
  namespace?: string;
  output?: ProxyStatusOutput;
}

/** The four discovery types in istioctl's column order (spelled out to keep grpc unloaded). */
export const TYPE_COLUMNS = [
  { header: 'CLUSTERS', typeUrl: 'type.mesh.dev/mesh.v1.Cluster' },
  { header: 'ENDPOINTS', typeUrl: 'type.mesh.dev/mesh.v1.Endpoints' },
  { header: 'LISTENERS', typeUrl: 'type.mesh.dev/mesh.v1.Listener' },
  { header: 'ROUTES', typeUrl: 'type.mesh.dev/mesh.v1.RouteTable' },
] as const satisfies readonly { header: string; typeUrl: TypeUrl }[];

const STATE_LABEL: Readonly<Record<SyncState, string>> = {
  SYNCED: 'SYNCED',
  STALE: 'STALE',
  NOT_SENT: 'NOT SENT',
  ERROR: 'ERROR',
};

/** `meshctl proxy-status`: per proxy, whether it holds the config the control plane sent. */
export function runProxyStatus(
  options: ProxyStatusOptions,
  io: CliIo,
  deps: ControlPlaneDeps,
): Promise<number> {
  return guarded(io, options.debug, async () => {
    parseTimeout(options.timeout);
    const output = options.output ?? 'table';
    if (!PROXY_STATUS_OUTPUTS.includes(output))
      throw new InputError(
        `-o: "${String(output)}" is not one of ${PROXY_STATUS_OUTPUTS.join(', ')}`,
      );
    const proxyId = options.proxyId ?? '';
    const namespace = options.namespace ?? '';
    const where = namespace ? ` in namespace ${namespace}` : '';
    return withControlPlane(options, io, deps, async (client) => {
      let response: ProxyStatusResponse;
      try {
        response = await client.proxyStatus({ namespace, proxyId });
      } catch (err) {
        if (proxyId && err instanceof RpcError && err.code === GRPC_STATUS.NOT_FOUND) {
          io.stderr(`Error: no proxy "${proxyId}" is connected${where}\n`);
          return EXIT_FINDINGS;
        }
        throw err;
      }
      const rows = response.proxies;
      if (rows.length === 0 && proxyId) {
        io.stderr(`Error: no proxy "${proxyId}" is connected${where}\n`);
        return EXIT_FINDINGS;
      }
      if (output === 'json') io.stdout(`${JSON.stringify({ proxies: rows }, null, 2)}\n`);
      else if (output === 'yaml') io.stdout(stringifyYaml({ proxies: rows }, { lineWidth: 0 }));
      else if (rows.length > 0) io.stdout(renderProxyStatus(rows));
      if (rows.length === 0) io.stderr(`No proxies are connected${where}.\n`);
      // A NACKed type is shown, not failed on: like istioctl, this reports state, and the
      // reason is printed under the table.
      return EXIT_OK;
    });
  });
}

export function stateCell(status: TypeSyncStatus | undefined): string {
  // A type the proxy never subscribed to has been sent nothing.
  return status ? STATE_LABEL[status.state] : STATE_LABEL.NOT_SENT;
}

export function renderProxyStatus(rows: readonly ProxyStatusRow[]): string {
  const headers = ['NAME', 'NAMESPACE', 'CONTROL PLANE', ...TYPE_COLUMNS.map((c) => c.header)];
  const byType = (row: ProxyStatusRow, typeUrl: string) =>
    row.types.find((t) => t.typeUrl === typeUrl);
  const table = renderTable(
    headers,
    rows.map((row) => [
      row.proxyId,
      row.namespace,
      row.controlPlane,
      ...TYPE_COLUMNS.map((c) => stateCell(byType(row, c.typeUrl))),
    ]),
  );
  const errors = rows.flatMap((row) =>
    TYPE_COLUMNS.flatMap((c) => {
      const status = byType(row, c.typeUrl);
      if (status?.state !== 'ERROR') return [];
      const why = status.lastError || 'rejected (no error detail)';
      return [`${row.proxyId} ${c.header.toLowerCase()}: ${why}`];
    }),
  );
  return errors.length === 0 ? table : `${table}\n${errors.join('\n')}\n`;
}
