// exportTo as Istio reads it, from @mesh/rules so the proxy's route selection and the control
// plane's scoping cannot disagree.
import { isVisible, visibleNamespaces } from '@mesh/rules';

/** Does `exportTo` of a resource in `ownNamespace` admit a proxy in `namespace`? */
export function exportedTo(
  exportTo: readonly string[] | undefined,
  ownNamespace: string,
  namespace: string,
): boolean {
  return isVisible(visibleNamespaces(exportTo, ownNamespace), namespace);
}
