// Kubernetes Services that share files with Istio config are the hosts VirtualServices route to.
// @mesh/rules skips them (it only types Istio kinds) with a MESH-V0002 note naming the object, so
// analyze reads them from those notes instead of parsing every file a second time (that second
// parse doubled the time of `meshctl analyze` on large inputs).
import { CLUSTER_DOMAIN, type Diagnostic } from '@mesh/rules';

export const SKIPPED_OBJECT = 'MESH-V0002';
/** The note @mesh/rules gives an `apiVersion: v1` object it skips; other apiVersions differ. */
const SKIPPED_CORE_V1 = 'not an Istio networking resource (v1); skipped';
/** parseResources names an object without metadata.name like this. */
const UNNAMED = '<unnamed>';

export interface KubeService {
  name: string;
  namespace: string;
  host: string;
  /** The skip note it came from; analyze does not print it. */
  note: Diagnostic;
}

/** `apiVersion: v1`, `kind: Service` objects among the parse diagnostics, as cluster-local hosts. */
export function kubeServicesIn(diagnostics: readonly Diagnostic[]): KubeService[] {
  return diagnostics
    .filter(
      (d) =>
        d.code === SKIPPED_OBJECT &&
        d.kind === 'Service' &&
        d.message === SKIPPED_CORE_V1 &&
        d.name !== '' &&
        d.name !== UNNAMED,
    )
    .map((d) => ({
      name: d.name,
      namespace: d.namespace,
      host: `${d.name}.${d.namespace}.${CLUSTER_DOMAIN}`.toLowerCase(),
      note: d,
    }));
}
