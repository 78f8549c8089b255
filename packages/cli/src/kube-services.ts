// Kubernetes Services that share files with Istio config are the hosts VirtualServices route to.
// @mesh/rules skips them (it only types Istio kinds) and lists them as skipped objects, with a
// MESH-V0002 note each; analyze takes the Services from that list instead of parsing every file a
// second time, and hides the notes of the Services it used.
import { CLUSTER_DOMAIN, type Diagnostic, type SkippedObject } from '@mesh/rules';

export const SKIPPED_OBJECT = 'MESH-V0002';
/** parseResources names an object without metadata.name like this. */
const UNNAMED = '<unnamed>';

export interface KubeService {
  name: string;
  namespace: string;
  host: string;
  /** The skip note it came from, if any; analyze does not print it. */
  note: Diagnostic | undefined;
}

/** `apiVersion: v1`, `kind: Service` objects among the skipped ones, as cluster-local hosts. */
export function kubeServicesIn(
  skipped: readonly SkippedObject[],
  diagnostics: readonly Diagnostic[],
): KubeService[] {
  return skipped
    .filter((o) => o.apiVersion === 'v1' && o.kind === 'Service' && o.name && o.name !== UNNAMED)
    .map((o) => ({
      name: o.name,
      namespace: o.namespace,
      host: `${o.name}.${o.namespace}.${CLUSTER_DOMAIN}`.toLowerCase(),
      note: diagnostics.find(
        (d) =>
          d.code === SKIPPED_OBJECT &&
          d.kind === o.kind &&
          d.name === o.name &&
          d.namespace === o.namespace &&
          d.source?.file === o.source.file &&
          d.source?.document === o.source.document,
      ),
    }));
}
