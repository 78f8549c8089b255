// tcp-echo v1/v2 of Istio's TCP traffic shifting task: each line comes back with the version's
// prefix ("one hello"), so a client sees which version its connection reached.
import { createServer, type Server, type Socket } from 'node:net';

/** A line longer than this is not an echo client talking; the connection is dropped. */
const MAX_LINE_BYTES = 64 * 1024;
const NEWLINE = 0x0a;

export interface TcpEcho {
  readonly server: Server;
  /** Stops listening and drops every connection. */
  close(): Promise<void>;
}

export function createTcpEcho(prefix: string): TcpEcho {
  const head = Buffer.from(`${prefix} `);
  const sockets = new Set<Socket>();
  // Half-open: the client may send its last line and FIN, and still read our answer to it.
  const server = createServer({ allowHalfOpen: true }, (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    // A reset from the peer is routine here, not a reason to crash.
    socket.on('error', () => socket.destroy());
    let pending: Buffer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      const end = pending.lastIndexOf(NEWLINE) + 1;
      if (end > 0) {
        const lines = pending.subarray(0, end);
        pending = pending.subarray(end);
        // Every line this chunk completes, echoed in one write. A client that sends and never
        // reads: stop reading from it until it has taken what we owe it, so what we buffer for it
        // stays about one chunk's echo (Istio's Go server blocks in conn.Write the same way).
        if (!socket.write(echoOf(head, lines))) {
          socket.pause();
          socket.once('drain', () => socket.resume());
        }
      }
      if (pending.length > MAX_LINE_BYTES) socket.destroy();
    });
    // A last line without its newline is dropped, as Istio's tcp-echo does: its
    // reader.ReadBytes('\n') returns io.EOF with those bytes, and it returns without echoing.
    socket.on('end', () => socket.end());
  });
  return {
    server,
    close: () =>
      new Promise((resolve) => {
        if (!server.listening) return resolve();
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}

/** `lines` (each ending in \n) with `head` before each; bytes as they came, \r included, as Istio's. */
function echoOf(head: Buffer, lines: Buffer): Buffer {
  let count = 0;
  for (let nl = lines.indexOf(NEWLINE); nl !== -1; nl = lines.indexOf(NEWLINE, nl + 1)) count++;
  const out = Buffer.allocUnsafe(lines.length + count * head.length);
  let at = 0;
  for (let start = 0; start < lines.length;) {
    const next = lines.indexOf(NEWLINE, start) + 1;
    at += head.copy(out, at);
    at += lines.copy(out, at, start, next);
    start = next;
  }
  return out;
}
