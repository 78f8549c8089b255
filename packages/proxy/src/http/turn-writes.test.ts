import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { coalesceWrites, releaseHeld } from './turn-writes.js';

let server: Server;
const sockets: Socket[] = [];
const received = new Map<number, string>();

beforeAll(async () => {
  server = createServer((peer) => {
    peer.setEncoding('latin1');
    peer.on('data', (s: string) => {
      received.set(peer.remotePort!, (received.get(peer.remotePort!) ?? '') + s);
    });
  }).listen(0, '127.0.0.1');
  await once(server, 'listening');
});

afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((resolve) => server.close(resolve));
});

async function connected(): Promise<Socket> {
  const socket = connect((server.address() as AddressInfo).port, '127.0.0.1');
  sockets.push(socket);
  await once(socket, 'connect');
  return socket;
}

/** What the server got from `socket` once `text` has arrived, or throws after 2 s. */
async function arrived(socket: Socket, text: string, port = socket.localPort!): Promise<string> {
  const deadline = Date.now() + 2_000;
  for (;;) {
    const got = received.get(port) ?? '';
    if (got.length >= text.length) return got;
    if (Date.now() > deadline) throw new Error(`only ${JSON.stringify(got)} arrived`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Three connected sockets, and a turn begun after their connects: nothing written in it yet. */
async function freshSockets(): Promise<[Socket, Socket, Socket]> {
  const made: [Socket, Socket, Socket] = [await connected(), await connected(), await connected()];
  await turnEnd();
  return made;
}

const turnEnd = () => new Promise((resolve) => setImmediate(resolve));

/** A data-path write: announced, then written. */
function send(socket: Socket, text: string): void {
  coalesceWrites(socket);
  socket.write(text);
}

// Every test starts on a fresh turn: the previous one's release has run.
beforeEach(turnEnd);

test('the first socket written in a turn writes at once; the others wait for the turn to end', async () => {
  const [a, b, c] = await freshSockets();
  send(a, 'first');
  send(b, 'second');
  send(c, 'third');
  expect(a.writableCorked).toBe(0);
  expect(a.writableLength).toBe(0); // handed to the kernel already
  expect([b.writableCorked, c.writableCorked]).toEqual([1, 1]);
  expect([b.writableLength, c.writableLength]).toEqual([6, 5]);
  await turnEnd();
  expect([b.writableCorked, c.writableCorked]).toEqual([0, 0]);
  expect(await arrived(a, 'first')).toBe('first');
  expect(await arrived(b, 'second')).toBe('second');
  expect(await arrived(c, 'third')).toBe('third');
});

test('a socket written twice in a turn sends both writes, in order, at the end of it', async () => {
  const [a] = await freshSockets();
  send(a, 'one,');
  send(a, 'two,');
  send(a, 'three');
  // Held once, however often it is written.
  expect(a.writableCorked).toBe(1);
  expect(await arrived(a, 'one,two,three')).toBe('one,two,three');
});

test('each turn starts afresh: its first write goes out at once again', async () => {
  const [a, b] = await freshSockets();
  send(a, 'x');
  send(b, 'y');
  expect(b.writableCorked).toBe(1);
  await turnEnd();
  send(b, 'z');
  expect(b.writableCorked).toBe(0);
  expect(await arrived(b, 'yz')).toBe('yz');
});

test('a held socket destroyed before the turn ends is released without harm', async () => {
  const [a, b, c] = await freshSockets();
  send(a, 'a');
  send(b, 'lost');
  send(c, 'kept');
  const lostPort = b.localPort!;
  b.destroy();
  await turnEnd();
  expect(c.writableCorked).toBe(0);
  expect(await arrived(c, 'kept')).toBe('kept');
  expect(received.get(lostPort) ?? '').toBe('');
});

test('releaseHeld sends what a socket holds at once, so a destroy right after loses none of it', async () => {
  const [a, b] = await freshSockets();
  send(a, 'a');
  send(b, 'sent before the cut');
  expect(b.writableCorked).toBe(1);
  releaseHeld(b);
  expect(b.writableCorked).toBe(0);
  const port = b.localPort!;
  b.destroy();
  expect(await arrived(b, 'sent before the cut', port)).toBe('sent before the cut');
  // The end of the turn finds it released already.
  await turnEnd();
});
