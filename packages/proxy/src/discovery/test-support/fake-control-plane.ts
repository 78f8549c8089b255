// A real DiscoveryService on 127.0.0.1 playing the control plane from a script: each
// subscription is answered with the current response for its type, every request is recorded
// (decoded), and tests can push, end the streams or stop the server to see the proxy cope.
import * as grpc from '@grpc/grpc-js';
import {
  decodeDiscoveryRequest,
  encodeDiscoveryResponse,
  loadMeshProtos,
  requestKind,
  type DiscoveryRequest,
  type DiscoveryResponse,
  type DiscoveryServiceHandlers,
  type RequestKind,
  type TypeUrl,
} from '@mesh/proto';

type Call = Parameters<DiscoveryServiceHandlers['Stream']>[0];

export interface RecordedRequest {
  /** 1 for the first stream this server accepted. */
  readonly stream: number;
  readonly kind: RequestKind;
  readonly request: DiscoveryRequest;
}

export class FakeControlPlane {
  readonly requests: RecordedRequest[] = [];
  /** What a subscription to each type is answered with; absent types get nothing. */
  readonly script = new Map<TypeUrl, DiscoveryResponse>();
  private readonly open = new Set<Call>();
  private streams = 0;
  private nonces = 0;

  private readonly server = new grpc.Server();
  private boundPort = 0;

  private constructor() {
    const handlers: DiscoveryServiceHandlers = { Stream: (call) => this.accept(call) };
    this.server.addService(loadMeshProtos().discoveryServiceDefinition, handlers);
  }

  /** Port 0 picks a free one; a port given again is how a restart on the same address is played. */
  static async start(responses: readonly DiscoveryResponse[], port = 0): Promise<FakeControlPlane> {
    const self = new FakeControlPlane();
    for (const res of responses) self.script.set(res.typeUrl, res);
    self.boundPort = await new Promise<number>((resolve, reject) =>
      self.server.bindAsync(
        `127.0.0.1:${port}`,
        grpc.ServerCredentials.createInsecure(),
        (err, p) => (err ? reject(err) : resolve(p)),
      ),
    );
    return self;
  }

  get port(): number {
    return this.boundPort;
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  get streamCount(): number {
    return this.streams;
  }

  ofKind(kind: RequestKind, stream?: number): DiscoveryRequest[] {
    return this.requests
      .filter((r) => r.kind === kind && (stream === undefined || r.stream === stream))
      .map((r) => r.request);
  }

  /** Sends `res` on every open stream (and answers later subscriptions with it). */
  push(res: DiscoveryResponse): void {
    this.script.set(res.typeUrl, res);
    for (const call of this.open) this.send(call, res);
  }

  /** Ends every stream cleanly (status OK), as a control plane draining its connections does. */
  endStreams(): void {
    for (const call of this.open) call.end();
    this.open.clear();
  }

  /** Gone without a goodbye: streams fail with UNAVAILABLE and the port is free again. */
  stop(): void {
    this.open.clear();
    this.server.forceShutdown();
  }

  private accept(call: Call): void {
    const stream = ++this.streams;
    this.open.add(call);
    call.on('data', (wire) => {
      const request = decodeDiscoveryRequest(wire);
      const kind = requestKind(request);
      this.requests.push({ stream, kind, request });
      const scripted = this.script.get(request.typeUrl);
      if (kind === 'subscribe' && scripted) this.send(call, scripted);
    });
    call.on('end', () => this.open.delete(call));
    call.on('error', () => this.open.delete(call));
    call.on('cancelled', () => this.open.delete(call));
  }

  private send(call: Call, res: DiscoveryResponse): void {
    // Nonces are per send, as a real control plane's are: replies must say which send they answer.
    call.write(encodeDiscoveryResponse({ ...res, nonce: `nonce-${++this.nonces}` }));
  }
}

/** Polls `condition` until it holds; fails with `what` after `timeoutMs`. */
export async function waitFor(
  what: string,
  condition: () => boolean,
  timeoutMs = 3000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
