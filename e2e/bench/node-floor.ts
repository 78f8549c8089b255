// What any reverse proxy written for Node costs on this machine, as two peers of the proxy
// benchmark: the floor under mesh-proxy, measured in the same run on the same core.
//
//   pipe  one upstream connection per client connection, bytes copied both ways untouched: what
//         Node's sockets alone cost per request (no parsing at all)
//   l7    the least an HTTP/1.1 proxy does: llhttp parses each request and response (the parser
//         node:http and mesh-proxy use), the headers become a lower-cased map and are rendered
//         again, the 1 KiB body is buffered and written behind the head in one write. No routing,
//         no timers, no promises, no logging, one upstream connection per client connection
//
//   node node-floor.js pipe|l7 <listen port> <upstream port>
//
// Neither is a usable proxy (no pooling, no errors answered, no hostile-input limits); they bound
// from below what mesh-proxy, which does all of that, can reach.
import { createRequire } from 'node:module';
import net from 'node:net';

interface Parser {
  initialize(type: number, resource: object, maxHeaderSize: number, lenient: number): void;
  execute(chunk: Buffer): unknown;
  [slot: number]: unknown;
}
interface ParserClass {
  new (): Parser;
  REQUEST: number;
  RESPONSE: number;
  kOnHeadersComplete: number;
  kOnBody: number;
  kOnMessageComplete: number;
}

const [mode, listenPort, upstreamPort] = process.argv.slice(2);
if ((mode !== 'pipe' && mode !== 'l7') || !Number(listenPort) || !Number(upstreamPort)) {
  console.error('usage: node-floor.js pipe|l7 <listen port> <upstream port>');
  process.exit(2);
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'te', 'trailer']);

function headerMap(raw: readonly string[]): Record<string, string> {
  const out = Object.create(null) as Record<string, string>;
  for (let i = 0; i < raw.length; i += 2) out[raw[i]!.toLowerCase()] = raw[i + 1]!;
  return out;
}

function renderHead(firstLine: string, headers: Record<string, string>, length: number): string {
  let head = firstLine;
  for (const name in headers) {
    if (!HOP_BY_HOP.has(name) && name !== 'content-length') head += `${name}: ${headers[name]}\r\n`;
  }
  return `${head}content-length: ${length}\r\n\r\n`;
}

function l7(client: net.Socket, upstream: net.Socket): void {
  const common = createRequire(process.execPath)('_http_common') as {
    HTTPParser: ParserClass;
    methods: string[];
  };
  const { HTTPParser, methods } = common;
  const requests = new HTTPParser();
  requests.initialize(HTTPParser.REQUEST, {}, 0, 0);
  const responses = new HTTPParser();
  responses.initialize(HTTPParser.RESPONSE, {}, 0, 0);
  let head = '';
  let headers: Record<string, string> = {};
  let body: Buffer[] = [];
  requests[HTTPParser.kOnHeadersComplete] = (
    _major: number,
    _minor: number,
    raw: string[],
    method: number,
    url: string,
  ) => {
    head = `${methods[method]} ${url} HTTP/1.1\r\n`;
    headers = headerMap(raw);
    headers['x-request-id'] ??= 'floor';
    body = [];
  };
  requests[HTTPParser.kOnBody] = (chunk: Buffer) => body.push(chunk);
  requests[HTTPParser.kOnMessageComplete] = () => {
    const payload = Buffer.concat(body);
    upstream.write(renderHead(head, headers, payload.length));
    if (payload.length > 0) upstream.write(payload);
  };
  let status = '';
  let responseHeaders: Record<string, string> = {};
  let responseBody: Buffer[] = [];
  responses[HTTPParser.kOnHeadersComplete] = (
    _major: number,
    _minor: number,
    raw: string[],
    _method: unknown,
    _url: unknown,
    code: number,
    reason: string,
  ) => {
    status = `HTTP/1.1 ${code} ${reason}\r\n`;
    responseHeaders = headerMap(raw);
    responseBody = [];
    return 0;
  };
  responses[HTTPParser.kOnBody] = (chunk: Buffer) => responseBody.push(chunk);
  responses[HTTPParser.kOnMessageComplete] = () => {
    const payload = Buffer.concat(responseBody);
    const text = renderHead(status, responseHeaders, payload.length);
    const out = Buffer.allocUnsafe(text.length + payload.length);
    out.write(text, 0, 'latin1');
    payload.copy(out, text.length);
    client.write(out);
  };
  client.on('data', (chunk: Buffer) => requests.execute(chunk));
  upstream.on('data', (chunk: Buffer) => responses.execute(chunk));
}

net
  .createServer({ noDelay: true }, (client) => {
    const upstream = net.connect({ host: '127.0.0.1', port: Number(upstreamPort), noDelay: true });
    const close = () => {
      client.destroy();
      upstream.destroy();
    };
    for (const socket of [client, upstream]) {
      socket.on('error', close);
      socket.on('close', close);
    }
    if (mode === 'l7') return l7(client, upstream);
    client.on('data', (chunk: Buffer) => upstream.write(chunk));
    upstream.on('data', (chunk: Buffer) => client.write(chunk));
  })
  .listen(Number(listenPort), '127.0.0.1');
