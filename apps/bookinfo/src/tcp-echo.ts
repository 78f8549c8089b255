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
    const echo = (line: Buffer) => socket.write(Buffer.concat([head, line, Buffer.from('\n')]));
    socket.on('data', (chunk: Buffer) => {
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      let nl: number;
      while ((nl = pending.indexOf(NEWLINE)) !== -1) {
        // Bytes before the newline as they came, \r included, as Istio's tcp-echo does.
        echo(pending.subarray(0, nl));
        pending = pending.subarray(nl + 1);
      }
      if (pending.length > MAX_LINE_BYTES) socket.destroy();
    });
    socket.on('end', () => {
      if (pending.length > 0) echo(pending);
      socket.end();
    });
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
