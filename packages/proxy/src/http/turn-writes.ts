// Socket writes of one event-loop turn go out together, Envoy-style: Envoy buffers what a
// connection writes and flushes it from the dispatcher after the current events are handled. In
// a busy turn (many requests and responses ready at once) each write sent at once woke the peer
// on the other CPU for that one message; on a VM every such cross-CPU wake-up costs the writer
// several µs, and a slower proxy made peers idle (and so wake-ups) more often. Held to the end of
// the turn, the peer wakes once for the batch: 18-34% more saturation throughput, and telemetry's
// cost no longer tripled by the wake-ups it caused (docs/benchmarks.md).
//
// The first write of a turn is not held: at light load a turn has one event, and holding its write
// would add the turn's remaining work to every response's latency for nothing to batch with.
import type { Socket } from 'node:net';

let turnOpen = false;
let held: Socket[] = [];

/**
 * Call just before writing to `socket` on the data path. The first socket written in a turn
 * writes at once; any other is corked until the end of the turn (the check phase, after the
 * turn's I/O callbacks), then uncorked with everything written to it meanwhile.
 */
export function coalesceWrites(socket: Socket): void {
  if (!turnOpen) {
    turnOpen = true;
    setImmediate(endTurn);
    return;
  }
  // Corked already: held by us this turn (or inside a caller's cork, which uncorks it itself).
  if (socket.writableCorked !== 0) return;
  socket.cork();
  held.push(socket);
}

/**
 * Sends what `socket` holds now, before a destroy: written data reached the kernel before the
 * connection closed when writes went out at once, and a peer seeing a cut still gets what was
 * sent before it.
 */
export function releaseHeld(socket: Socket): void {
  while (socket.writableCorked > 0) socket.uncork();
}

function endTurn(): void {
  turnOpen = false;
  const sockets = held;
  held = [];
  // A socket destroyed meanwhile has already failed its queued writes; uncork is then a no-op.
  for (const socket of sockets) socket.uncork();
}
