// What a real proxy holds, read from its admin port's /config_dump as `meshctl proxy-config` reads
// it. Waiting on this instead of on traffic: when the old config can answer a request the way the
// new one does (a balanced pick that happens to land on the expected version), only the held
// config says which of the two routed it. The proxy routes on the same table it dumps.
import type { RouteTableBody } from '@mesh/proto';

interface ConfigDump {
  routes: { resources: { name: string; body: RouteTableBody }[] };
}

/**
 * Where the VirtualService `namespace/name` that the proxy at `admin` (HOST:PORT) holds sends
 * traffic: per HTTP route, then per TCP route, its destinations as `subset` or `subset weight`
 * (e.g. `[['v1 80', 'v2 20']]`); undefined while it holds no such route table.
 */
export async function heldDestinations(
  admin: string,
  name: string,
): Promise<string[][] | undefined> {
  const res = await fetch(`http://${admin}/config_dump`, { signal: AbortSignal.timeout(5000) });
  const dump = (await res.json()) as ConfigDump;
  const vs = dump.routes.resources.find((r) => r.name === name)?.body.virtualService;
  if (!vs) return undefined;
  const of = (route: { destination?: { subset?: string }; weight?: number }[] | undefined) =>
    (route ?? []).map((d) =>
      [d.destination?.subset ?? '', d.weight === undefined ? '' : ` ${d.weight}`].join(''),
    );
  return [...(vs.spec.http ?? []), ...(vs.spec.tcp ?? [])].map((r) => of(r.route));
}

/** Whether two heldDestinations answers are the same. */
export const sameDestinations = (a: string[][] | undefined, b: string[][]) =>
  JSON.stringify(a) === JSON.stringify(b);
