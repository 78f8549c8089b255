import type { ProxyStatusRequest, ProxyStatusResponse, ProxyStatusRow } from '@mesh/proto';
import { compare } from './reads.js';

export function proxyStatus(
  rows: readonly ProxyStatusRow[],
  request: ProxyStatusRequest,
): ProxyStatusResponse {
  const proxies = rows
    .filter((r) => request.namespace === '' || r.namespace === request.namespace)
    .filter((r) => request.proxyId === '' || r.proxyId === request.proxyId)
    .sort((a, b) => compare(a.namespace, b.namespace) || compare(a.proxyId, b.proxyId))
    .map((r) => ({ ...r, types: [...r.types].sort((a, b) => compare(a.typeUrl, b.typeUrl)) }));
  return { proxies };
}
