// generated — do not edit. Regenerate with `npm run generate` (packages/proto/scripts/generate.mjs).
// Original file: mesh/v1/config.proto

export interface ProxyStatusRequest {
  /**
   * Only proxies in this namespace; empty means every namespace.
   */
  namespace?: string;
  /**
   * Only this proxy; empty means every proxy.
   */
  proxyId?: string;
}

export interface ProxyStatusRequest__Output {
  /**
   * Only proxies in this namespace; empty means every namespace.
   */
  namespace: string;
  /**
   * Only this proxy; empty means every proxy.
   */
  proxyId: string;
}
