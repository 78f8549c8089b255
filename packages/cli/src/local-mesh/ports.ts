// Loopback ports for the local mesh's components, picked before they start (an app must be told
// its sidecar's port, and the sidecar its app's). They come from below the kernel's ephemeral
// range: a port picked there (listen(0)) can be taken by any outgoing connection before the
// component binds it, and a mesh of twenty processes dialling each other makes that likely.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

const LOWEST = 10_000;
const ATTEMPTS = 200;
/** Ports handed out by this process: not handed out twice before their component binds them. */
const handedOut = new Set<number>();

/** Ports the caller will bind itself (the user's fixed ports): never handed out by freePort. */
export function reservePorts(ports: readonly number[]): void {
  for (const port of ports) if (port > 0) handedOut.add(port);
}

/** A loopback port nothing listens on, outside the ephemeral range, not handed out before. */
export async function freePort(): Promise<number> {
  const [ephemeralLow] = ephemeralRange();
  const span = Math.max(1, ephemeralLow - LOWEST);
  for (let i = 0; i < ATTEMPTS; i++) {
    const port = LOWEST + Math.floor(Math.random() * span);
    if (handedOut.has(port)) continue;
    // Claimed before the check: concurrent callers must not pick it meanwhile.
    handedOut.add(port);
    if (await canListen(port)) return port;
    handedOut.delete(port);
  }
  throw new Error(
    `no free loopback port between ${LOWEST} and ${ephemeralLow} after ${ATTEMPTS} tries`,
  );
}

/** Linux's ip_local_port_range; its default where it cannot be read. */
export function ephemeralRange(): [number, number] {
  try {
    const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
      .trim()
      .split(/\s+/)
      .map(Number);
    if (low && high && low > LOWEST) return [low, high];
  } catch {
    // Not Linux, or no /proc: the default below.
  }
  return [32_768, 60_999];
}

/** Whether nothing listens on `port` on loopback right now. */
export function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
