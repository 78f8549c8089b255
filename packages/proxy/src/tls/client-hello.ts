// The server name a TLS client asks for, read from its ClientHello without terminating TLS: what
// a gateway's PASSTHROUGH port routes on (Envoy's tls_inspector). RFC 8446 4.1.2 and RFC 6066 3.
// The ClientHello may span several handshake records; they are joined until it is whole.

export type ClientHelloResult =
  | { readonly kind: 'incomplete' }
  | { readonly kind: 'hello'; readonly sni: string | undefined }
  | { readonly kind: 'not-tls'; readonly reason: string };

const HANDSHAKE = 0x16;
const CLIENT_HELLO = 0x01;
const SERVER_NAME = 0x0000;
const HOST_NAME = 0x00;
/** Larger ClientHellos are refused rather than buffered without bound. */
export const MAX_CLIENT_HELLO_BYTES = 64 * 1024;

export function readClientHello(data: Buffer): ClientHelloResult {
  // Join the payloads of the leading handshake records.
  const parts: Buffer[] = [];
  let joined = 0;
  let at = 0;
  let needed = -1;
  while (needed < 0 || joined < needed) {
    if (data.length < at + 5) return incompleteOr(data);
    if (data[at] !== HANDSHAKE) return notTls(`record type ${data[at]} is not a handshake`);
    if (data[at + 1] !== 0x03) return notTls('not a TLS record version');
    const length = data.readUInt16BE(at + 3);
    if (data.length < at + 5 + length) return incompleteOr(data);
    parts.push(data.subarray(at + 5, at + 5 + length));
    joined += length;
    at += 5 + length;
    if (needed < 0 && joined >= 4) {
      const head = Buffer.concat(parts);
      if (head[0] !== CLIENT_HELLO)
        return notTls('the first handshake message is not a ClientHello');
      needed = 4 + head.readUIntBE(1, 3);
      if (needed > MAX_CLIENT_HELLO_BYTES) return notTls('ClientHello too large');
    }
  }
  return parseHello(Buffer.concat(parts).subarray(4, needed));
}

function parseHello(hello: Buffer): ClientHelloResult {
  let at = 2 + 32; // legacy_version, random
  const skip = (lengthBytes: number): boolean => {
    if (hello.length < at + lengthBytes) return false;
    const length = hello.readUIntBE(at, lengthBytes);
    at += lengthBytes + length;
    return hello.length >= at;
  };
  // session id, cipher suites, compression methods
  if (!skip(1) || !skip(2) || !skip(1)) return notTls('truncated ClientHello');
  if (at === hello.length) return { kind: 'hello', sni: undefined };
  if (hello.length < at + 2) return notTls('truncated extensions');
  const end = at + 2 + hello.readUInt16BE(at);
  if (end > hello.length) return notTls('truncated extensions');
  at += 2;
  while (at + 4 <= end) {
    const type = hello.readUInt16BE(at);
    const length = hello.readUInt16BE(at + 2);
    const body = hello.subarray(at + 4, at + 4 + length);
    at += 4 + length;
    if (at > end) return notTls('truncated extension');
    if (type !== SERVER_NAME) continue;
    let p = 2; // server_name_list length
    while (p + 3 <= body.length) {
      const nameType = body[p]!;
      const nameLength = body.readUInt16BE(p + 1);
      const name = body.subarray(p + 3, p + 3 + nameLength);
      p += 3 + nameLength;
      if (p > body.length) return notTls('truncated server_name');
      if (nameType === HOST_NAME)
        return { kind: 'hello', sni: name.toString('ascii').toLowerCase() };
    }
  }
  return { kind: 'hello', sni: undefined };
}

function incompleteOr(data: Buffer): ClientHelloResult {
  return data.length > MAX_CLIENT_HELLO_BYTES + 5 * 8
    ? notTls('ClientHello too large')
    : { kind: 'incomplete' };
}

function notTls(reason: string): ClientHelloResult {
  return { kind: 'not-tls', reason };
}
