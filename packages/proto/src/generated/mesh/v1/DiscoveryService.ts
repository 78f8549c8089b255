// generated — do not edit. Regenerate with `npm run generate` (packages/proto/scripts/generate.mjs).
// Original file: mesh/v1/discovery.proto

import type * as grpc from '@grpc/grpc-js';
import type { MethodDefinition } from '@grpc/proto-loader';
import type {
  DiscoveryRequest as _mesh_v1_DiscoveryRequest,
  DiscoveryRequest__Output as _mesh_v1_DiscoveryRequest__Output,
} from '../../mesh/v1/DiscoveryRequest.js';
import type {
  DiscoveryResponse as _mesh_v1_DiscoveryResponse,
  DiscoveryResponse__Output as _mesh_v1_DiscoveryResponse__Output,
} from '../../mesh/v1/DiscoveryResponse.js';

/**
 * One bidirectional stream per proxy carries every resource type (aggregated, as Envoy's ADS),
 * so the control plane can order pushes across types (clusters before the routes that name
 * them) on a single connection.
 */
export interface DiscoveryServiceClient extends grpc.Client {
  /**
   * The proxy opens the stream and sends one DiscoveryRequest per type URL it subscribes to;
   * the control plane answers with DiscoveryResponses whenever that type's config changes; the
   * proxy answers every response with an ACK or a NACK (a DiscoveryRequest echoing its nonce).
   */
  Stream(
    metadata: grpc.Metadata,
    options?: grpc.CallOptions,
  ): grpc.ClientDuplexStream<_mesh_v1_DiscoveryRequest, _mesh_v1_DiscoveryResponse__Output>;
  Stream(
    options?: grpc.CallOptions,
  ): grpc.ClientDuplexStream<_mesh_v1_DiscoveryRequest, _mesh_v1_DiscoveryResponse__Output>;
  /**
   * The proxy opens the stream and sends one DiscoveryRequest per type URL it subscribes to;
   * the control plane answers with DiscoveryResponses whenever that type's config changes; the
   * proxy answers every response with an ACK or a NACK (a DiscoveryRequest echoing its nonce).
   */
  stream(
    metadata: grpc.Metadata,
    options?: grpc.CallOptions,
  ): grpc.ClientDuplexStream<_mesh_v1_DiscoveryRequest, _mesh_v1_DiscoveryResponse__Output>;
  stream(
    options?: grpc.CallOptions,
  ): grpc.ClientDuplexStream<_mesh_v1_DiscoveryRequest, _mesh_v1_DiscoveryResponse__Output>;
}

/**
 * One bidirectional stream per proxy carries every resource type (aggregated, as Envoy's ADS),
 * so the control plane can order pushes across types (clusters before the routes that name
 * them) on a single connection.
 */
export interface DiscoveryServiceHandlers extends grpc.UntypedServiceImplementation {
  /**
   * The proxy opens the stream and sends one DiscoveryRequest per type URL it subscribes to;
   * the control plane answers with DiscoveryResponses whenever that type's config changes; the
   * proxy answers every response with an ACK or a NACK (a DiscoveryRequest echoing its nonce).
   */
  Stream: grpc.handleBidiStreamingCall<
    _mesh_v1_DiscoveryRequest__Output,
    _mesh_v1_DiscoveryResponse
  >;
}

export interface DiscoveryServiceDefinition extends grpc.ServiceDefinition {
  Stream: MethodDefinition<
    _mesh_v1_DiscoveryRequest,
    _mesh_v1_DiscoveryResponse,
    _mesh_v1_DiscoveryRequest__Output,
    _mesh_v1_DiscoveryResponse__Output
  >;
}
