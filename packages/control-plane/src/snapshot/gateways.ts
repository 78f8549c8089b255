// Which Gateways configure a proxy. Gateways from every namespace may select it, as with Istio's
// default PILOT_SCOPE_GATEWAY_TO_NAMESPACE=false.
import { selects, type Gateway } from '@mesh/rules';
import type { ConfigView, ProxyNode } from '../model.js';
import { attempt, storedOfKind, type Stored } from './stored.js';

/**
 * Gateways whose selector matches the proxy's labels, oldest first. A proxy any Gateway selects
 * is a gateway proxy. Istio applies a selector-less Gateway to every gateway proxy; here gateway
 * proxies are recognised only by selection, so a Gateway without selector labels selects none.
 */
export function gatewaysFor(config: ConfigView, node: ProxyNode): Stored<Gateway>[] {
  return storedOfKind(config, 'Gateway').filter((g) =>
    attempt(() => {
      const selector = g.resource.spec.selector ?? {};
      return Object.keys(selector).length > 0 && selects(selector, node.labels);
    }, false),
  );
}
