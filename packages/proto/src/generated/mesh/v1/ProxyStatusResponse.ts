// generated — do not edit. Regenerate with `npm run generate` (packages/proto/scripts/generate.mjs).
// Original file: mesh/v1/config.proto

import type {
  ProxyStatusRow as _mesh_v1_ProxyStatusRow,
  ProxyStatusRow__Output as _mesh_v1_ProxyStatusRow__Output,
} from '../../mesh/v1/ProxyStatusRow.js';

export interface ProxyStatusResponse {
  /**
   * One row per connected proxy, ordered by namespace, proxy id.
   */
  proxies?: _mesh_v1_ProxyStatusRow[];
}

export interface ProxyStatusResponse__Output {
  /**
   * One row per connected proxy, ordered by namespace, proxy id.
   */
  proxies: _mesh_v1_ProxyStatusRow__Output[];
}
