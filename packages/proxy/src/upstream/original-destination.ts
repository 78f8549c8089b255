// Where a PASSTHROUGH cluster sends a request: Envoy's ORIGINAL_DST, the address the caller itself
// asked for, with no balancing. With iptables capture that is the connection's pre-NAT
// destination; a forward proxy gets it from the request instead (the absolute-form URL or the
// CONNECT target), so a hostname is resolved here, as the app would have resolved it.
import { isIP } from 'node:net';
import { lookup } from 'node:dns/promises';

export interface OriginalDestination {
  /** `address:port`, IPv6 in brackets: the id the rest of the pipeline uses for an endpoint. */
  readonly id: string;
}

/** The original destination of `authority` (`host[:port]`), or why there is none. */
export async function originalDestinationOf(
  authority: string,
  defaultPort: number,
  resolve: (host: string) => Promise<{ address: string }> = lookup,
): Promise<OriginalDestination | { readonly error: string }> {
  const { host, port } = splitAuthority(authority, defaultPort);
  if (!host || !Number.isInteger(port) || port < 1 || port > 65535)
    return { error: `original destination ${JSON.stringify(authority)} is not host:port` };
  if (isIP(host)) return { id: idOf(host, port) };
  try {
    const { address } = await resolve(host);
    return { id: idOf(address, port) };
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    return {
      error: `original destination ${host}:${port} does not resolve (${typeof code === 'string' ? code : String(err)})`,
    };
  }
}

function splitAuthority(authority: string, defaultPort: number): { host: string; port: number } {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(authority);
  if (bracketed) return { host: bracketed[1]!, port: Number(bracketed[2] ?? defaultPort) };
  const colon = authority.lastIndexOf(':');
  if (colon === -1) return { host: authority, port: defaultPort };
  return { host: authority.slice(0, colon), port: Number(authority.slice(colon + 1)) };
}

function idOf(address: string, port: number): string {
  return isIP(address) === 6 ? `[${address}]:${port}` : `${address}:${port}`;
}
