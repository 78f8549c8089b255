// HTTP/2 cleartext (h2c) and gRPC through the sidecar: the outbound side serves what CONNECT
// tunnels carry once sniffed as h2 (see ../tcp/tcp-proxy.ts), the inbound side serves listeners
// whose protocol is HTTP2 or GRPC.
export { createH2InboundServer, type H2InboundOptions } from './inbound.js';
export { createH2Outbound, type H2Outbound, type H2OutboundOptions } from './outbound.js';
export { DEFAULT_H2_LIMITS, type H2Limits } from './server.js';
export { createH2SessionPool, type H2SessionPool, type H2SessionPoolOptions } from './sessions.js';
export { GRPC_STATUS, grpcStatusOfLocalReply, httpToGrpcStatus } from './grpc.js';
