// Which proxies `meshctl stat` reads: each --target, else every component of the local mesh
// `meshctl up` runs that has an admin port (the ingress gateway and every sidecar). The metrics
// are on the admin port's /stats/prometheus, as Envoy's.
import { InputError } from '../inputs.js';
import type { LocalMeshState } from '../local-mesh/state.js';

export const METRICS_PATH = '/stats/prometheus';

export interface Target {
  /** For messages: the component's name, or the address as given. */
  readonly name: string;
  readonly url: string;
}

/**
 * The targets; empty when there are none to read. A --target is `HOST:PORT` (an admin address, as
 * proxy-config --admin takes it) or an http:// URL; one without a path gets /stats/prometheus.
 */
export function resolveTargets(
  flags: readonly string[],
  localMesh: LocalMeshState | undefined,
): Target[] {
  if (flags.length > 0) return flags.map((flag) => ({ name: flag, url: targetUrl(flag) }));
  return (localMesh?.components ?? []).flatMap((c) => {
    const admin = c.ports.admin;
    return admin ? [{ name: c.name, url: `http://${admin}${METRICS_PATH}` }] : [];
  });
}

export function targetUrl(flag: string): string {
  const text = flag.trim();
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `http://${text}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new InputError(
      `--target: "${flag}" is not HOST:PORT or an http:// URL (e.g. 127.0.0.1:15000)`,
    );
  }
  if (url.protocol !== 'http:')
    throw new InputError(
      `--target: "${flag}": only http:// is read (a proxy's admin port is plain HTTP)`,
    );
  if (url.hostname === '')
    throw new InputError(`--target: "${flag}" names no host (e.g. 127.0.0.1:15000)`);
  if (url.pathname === '/' || url.pathname === '') url.pathname = METRICS_PATH;
  return url.toString();
}
