// generated — do not edit. Regenerate with `npm run generate` (packages/proto/scripts/generate.mjs).
// Original file: mesh/v1/config.proto

import type * as grpc from '@grpc/grpc-js';
import type { MethodDefinition } from '@grpc/proto-loader';
import type {
  ApplyRequest as _mesh_v1_ApplyRequest,
  ApplyRequest__Output as _mesh_v1_ApplyRequest__Output,
} from '../../mesh/v1/ApplyRequest.js';
import type {
  ApplyResponse as _mesh_v1_ApplyResponse,
  ApplyResponse__Output as _mesh_v1_ApplyResponse__Output,
} from '../../mesh/v1/ApplyResponse.js';
import type {
  ConfigEvent as _mesh_v1_ConfigEvent,
  ConfigEvent__Output as _mesh_v1_ConfigEvent__Output,
} from '../../mesh/v1/ConfigEvent.js';
import type {
  DeleteRequest as _mesh_v1_DeleteRequest,
  DeleteRequest__Output as _mesh_v1_DeleteRequest__Output,
} from '../../mesh/v1/DeleteRequest.js';
import type {
  DeleteResponse as _mesh_v1_DeleteResponse,
  DeleteResponse__Output as _mesh_v1_DeleteResponse__Output,
} from '../../mesh/v1/DeleteResponse.js';
import type {
  GetRequest as _mesh_v1_GetRequest,
  GetRequest__Output as _mesh_v1_GetRequest__Output,
} from '../../mesh/v1/GetRequest.js';
import type {
  GetResponse as _mesh_v1_GetResponse,
  GetResponse__Output as _mesh_v1_GetResponse__Output,
} from '../../mesh/v1/GetResponse.js';
import type {
  ListRequest as _mesh_v1_ListRequest,
  ListRequest__Output as _mesh_v1_ListRequest__Output,
} from '../../mesh/v1/ListRequest.js';
import type {
  ListResponse as _mesh_v1_ListResponse,
  ListResponse__Output as _mesh_v1_ListResponse__Output,
} from '../../mesh/v1/ListResponse.js';
import type {
  ProxyStatusRequest as _mesh_v1_ProxyStatusRequest,
  ProxyStatusRequest__Output as _mesh_v1_ProxyStatusRequest__Output,
} from '../../mesh/v1/ProxyStatusRequest.js';
import type {
  ProxyStatusResponse as _mesh_v1_ProxyStatusResponse,
  ProxyStatusResponse__Output as _mesh_v1_ProxyStatusResponse__Output,
} from '../../mesh/v1/ProxyStatusResponse.js';
import type {
  ValidateRequest as _mesh_v1_ValidateRequest,
  ValidateRequest__Output as _mesh_v1_ValidateRequest__Output,
} from '../../mesh/v1/ValidateRequest.js';
import type {
  ValidateResponse as _mesh_v1_ValidateResponse,
  ValidateResponse__Output as _mesh_v1_ValidateResponse__Output,
} from '../../mesh/v1/ValidateResponse.js';
import type {
  WatchRequest as _mesh_v1_WatchRequest,
  WatchRequest__Output as _mesh_v1_WatchRequest__Output,
} from '../../mesh/v1/WatchRequest.js';

/**
 * Errors, for every method:
 * INVALID_ARGUMENT  a document failed parsing, validation or identity checks. The diagnostics
 * travel in trailing metadata "mesh-diagnostics-bin" as a serialized
 * DiagnosticList (an error status carries no response message), and the
 * status message is the first error in words.
 * ABORTED           a resource_version precondition failed: someone changed the resource since
 * the caller read it (Kubernetes' 409 Conflict). Re-read and retry.
 * NOT_FOUND         Get or Delete of a resource that does not exist.
 * UNAUTHENTICATED   missing or bad bearer token in the "authorization" metadata.
 * UNAVAILABLE       the store (etcd) cannot be reached; safe to retry.
 */
export interface ConfigServiceClient extends grpc.Client {
  /**
   * Creates or updates many documents in one store transaction: all are written or none.
   * INVALID_ARGUMENT if any document has an error diagnostic; ABORTED on a version conflict.
   */
  Apply(
    argument: _mesh_v1_ApplyRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_mesh_v1_ApplyResponse__Output>,
  ): grpc.ClientUnaryCall;
  Apply(
    argument: _mesh_v1_ApplyRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_mesh_v1_ApplyResponse__Output>,
  ): grpc.ClientUnaryCall;
  Apply(
    argument: _mesh_v1_ApplyRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_mesh_v1_ApplyResponse__Output>,
  ): grpc.ClientUnaryCall;
  Apply(
    argument: _mesh_v1_ApplyRequest,
    callback: grpc.requestCallback<_mesh_v1_ApplyResponse__Output>,
  ): grpc.ClientUnaryCall;
  /**
   * Creates or updates many documents in one store transaction: all are written or none.
   * INVALID_ARGUMENT if any document has an error diagnostic; ABORTED on a version conflict.
   */
  apply(
    argument: _mesh_v1_ApplyRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_mesh_v1_ApplyResponse__Output>,
  ): grpc.ClientUnaryCall;
  apply(
    argument: _mesh_v1_ApplyRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_mesh_v1_ApplyResponse__Output>,
  ): grpc.ClientUnaryCall;
  apply(
    argument: _mesh_v1_ApplyRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_mesh_v1_ApplyResponse__Output>,
  ): grpc.ClientUnaryCall;
  apply(
    argument: _mesh_v1_ApplyRequest,
    callback: grpc.requestCallback<_mesh_v1_ApplyResponse__Output>,
  ): grpc.ClientUnaryCall;

  /**
   * Removes one resource. NOT_FOUND if absent; ABORTED if resource_version is set and stale.
   */
  Delete(
    argument: _mesh_v1_DeleteRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_mesh_v1_DeleteResponse__Output>,
  ): grpc.ClientUnaryCall;
  Delete(
    argument: _mesh_v1_DeleteRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_mesh_v1_DeleteResponse__Output>,
  ): grpc.ClientUnaryCall;
  Delete(
    argument: _mesh_v1_DeleteRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_mesh_v1_DeleteResponse__Output>,
  ): grpc.ClientUnaryCall;
  Delete(
    argument: _mesh_v1_DeleteRequest,
    callback: grpc.requestCallback<_mesh_v1_DeleteResponse__Output>,
  ): grpc.ClientUnaryCall;
  /**
   * Removes one resource. NOT_FOUND if absent; ABORTED if resource_version is set and stale.
   */
  delete(
    argument: _mesh_v1_DeleteRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_mesh_v1_DeleteResponse__Output>,
  ): grpc.ClientUnaryCall;
  delete(
    argument: _mesh_v1_DeleteRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_mesh_v1_DeleteResponse__Output>,
  ): grpc.ClientUnaryCall;
  delete(
    argument: _mesh_v1_DeleteRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_mesh_v1_DeleteResponse__Output>,
  ): grpc.ClientUnaryCall;
  delete(
    argument: _mesh_v1_DeleteRequest,
    callback: grpc.requestCallback<_mesh_v1_DeleteResponse__Output>,
  ): grpc.ClientUnaryCall;

  /**
   * One stored resource. NOT_FOUND if absent.
   */
  Get(
    argument: _mesh_v1_GetRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_mesh_v1_GetResponse__Output>,
  ): grpc.ClientUnaryCall;
  Get(
    argument: _mesh_v1_GetRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_mesh_v1_GetResponse__Output>,
  ): grpc.ClientUnaryCall;
  Get(
    argument: _mesh_v1_GetRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_mesh_v1_GetResponse__Output>,
  ): grpc.ClientUnaryCall;
  Get(
    argument: _mesh_v1_GetRequest,
    callback: grpc.requestCallback<_mesh_v1_GetResponse__Output>,
  ): grpc.ClientUnaryCall;
  /**
   * One stored resource. NOT_FOUND if absent.
   */
  get(
    argument: _mesh_v1_GetRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_mesh_v1_GetResponse__Output>,
  ): grpc.ClientUnaryCall;
  get(
    argument: _mesh_v1_GetRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_mesh_v1_GetResponse__Output>,
  ): grpc.ClientUnaryCall;
  get(
    argument: _mesh_v1_GetRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_mesh_v1_GetResponse__Output>,
  ): grpc.ClientUnaryCall;
  get(
    argument: _mesh_v1_GetRequest,
    callback: grpc.requestCallback<_mesh_v1_GetResponse__Output>,
  ): grpc.ClientUnaryCall;

  /**
   * Stored resources of a kind (or all kinds) in one namespace or all.
   */
  List(
    argument: _mesh_v1_ListRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_mesh_v1_ListResponse__Output>,
  ): grpc.ClientUnaryCall;
  List(
    argument: _mesh_v1_ListRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_mesh_v1_ListResponse__Output>,
  ): grpc.ClientUnaryCall;
  List(
    argument: _mesh_v1_ListRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_mesh_v1_ListResponse__Output>,
  ): grpc.ClientUnaryCall;
  List(
    argument: _mesh_v1_ListRequest,
    callback: grpc.requestCallback<_mesh_v1_ListResponse__Output>,
  ): grpc.ClientUnaryCall;
  /**
   * Stored resources of a kind (or all kinds) in one namespace or all.
   */
  list(
    argument: _mesh_v1_ListRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_mesh_v1_ListResponse__Output>,
  ): grpc.ClientUnaryCall;
  list(
    argument: _mesh_v1_ListRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_mesh_v1_ListResponse__Output>,
  ): grpc.ClientUnaryCall;
  list(
    argument: _mesh_v1_ListRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_mesh_v1_ListResponse__Output>,
  ): grpc.ClientUnaryCall;
  list(
    argument: _mesh_v1_ListRequest,
    callback: grpc.requestCallback<_mesh_v1_ListResponse__Output>,
  ): grpc.ClientUnaryCall;

  /**
   * What each connected proxy has been sent and has acknowledged, per type URL.
   */
  ProxyStatus(
    argument: _mesh_v1_ProxyStatusRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_mesh_v1_ProxyStatusResponse__Output>,
  ): grpc.ClientUnaryCall;
  ProxyStatus(
    argument: _mesh_v1_ProxyStatusRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_mesh_v1_ProxyStatusResponse__Output>,
  ): grpc.ClientUnaryCall;
  ProxyStatus(
    argument: _mesh_v1_ProxyStatusRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_mesh_v1_ProxyStatusResponse__Output>,
  ): grpc.ClientUnaryCall;
  ProxyStatus(
    argument: _mesh_v1_ProxyStatusRequest,
    callback: grpc.requestCallback<_mesh_v1_ProxyStatusResponse__Output>,
  ): grpc.ClientUnaryCall;
  /**
   * What each connected proxy has been sent and has acknowledged, per type URL.
   */
  proxyStatus(
    argument: _mesh_v1_ProxyStatusRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_mesh_v1_ProxyStatusResponse__Output>,
  ): grpc.ClientUnaryCall;
  proxyStatus(
    argument: _mesh_v1_ProxyStatusRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_mesh_v1_ProxyStatusResponse__Output>,
  ): grpc.ClientUnaryCall;
  proxyStatus(
    argument: _mesh_v1_ProxyStatusRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_mesh_v1_ProxyStatusResponse__Output>,
  ): grpc.ClientUnaryCall;
  proxyStatus(
    argument: _mesh_v1_ProxyStatusRequest,
    callback: grpc.requestCallback<_mesh_v1_ProxyStatusResponse__Output>,
  ): grpc.ClientUnaryCall;

  /**
   * Checks documents as Apply would (parse, schema, Istio webhook rules, cross-resource
   * analysis against the stored config) without writing or checking resource versions. Always
   * OK if the documents could be read; the verdict is in the response.
   */
  Validate(
    argument: _mesh_v1_ValidateRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_mesh_v1_ValidateResponse__Output>,
  ): grpc.ClientUnaryCall;
  Validate(
    argument: _mesh_v1_ValidateRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_mesh_v1_ValidateResponse__Output>,
  ): grpc.ClientUnaryCall;
  Validate(
    argument: _mesh_v1_ValidateRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_mesh_v1_ValidateResponse__Output>,
  ): grpc.ClientUnaryCall;
  Validate(
    argument: _mesh_v1_ValidateRequest,
    callback: grpc.requestCallback<_mesh_v1_ValidateResponse__Output>,
  ): grpc.ClientUnaryCall;
  /**
   * Checks documents as Apply would (parse, schema, Istio webhook rules, cross-resource
   * analysis against the stored config) without writing or checking resource versions. Always
   * OK if the documents could be read; the verdict is in the response.
   */
  validate(
    argument: _mesh_v1_ValidateRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_mesh_v1_ValidateResponse__Output>,
  ): grpc.ClientUnaryCall;
  validate(
    argument: _mesh_v1_ValidateRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_mesh_v1_ValidateResponse__Output>,
  ): grpc.ClientUnaryCall;
  validate(
    argument: _mesh_v1_ValidateRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_mesh_v1_ValidateResponse__Output>,
  ): grpc.ClientUnaryCall;
  validate(
    argument: _mesh_v1_ValidateRequest,
    callback: grpc.requestCallback<_mesh_v1_ValidateResponse__Output>,
  ): grpc.ClientUnaryCall;

  /**
   * Every change after from_revision, in store order, until the caller cancels. A revision
   * older than the store keeps (compacted) fails with OUT_OF_RANGE: List again and watch from
   * its revision.
   */
  Watch(
    argument: _mesh_v1_WatchRequest,
    metadata: grpc.Metadata,
    options?: grpc.CallOptions,
  ): grpc.ClientReadableStream<_mesh_v1_ConfigEvent__Output>;
  Watch(
    argument: _mesh_v1_WatchRequest,
    options?: grpc.CallOptions,
  ): grpc.ClientReadableStream<_mesh_v1_ConfigEvent__Output>;
  /**
   * Every change after from_revision, in store order, until the caller cancels. A revision
   * older than the store keeps (compacted) fails with OUT_OF_RANGE: List again and watch from
   * its revision.
   */
  watch(
    argument: _mesh_v1_WatchRequest,
    metadata: grpc.Metadata,
    options?: grpc.CallOptions,
  ): grpc.ClientReadableStream<_mesh_v1_ConfigEvent__Output>;
  watch(
    argument: _mesh_v1_WatchRequest,
    options?: grpc.CallOptions,
  ): grpc.ClientReadableStream<_mesh_v1_ConfigEvent__Output>;
}

/**
 * Errors, for every method:
 * INVALID_ARGUMENT  a document failed parsing, validation or identity checks. The diagnostics
 * travel in trailing metadata "mesh-diagnostics-bin" as a serialized
 * DiagnosticList (an error status carries no response message), and the
 * status message is the first error in words.
 * ABORTED           a resource_version precondition failed: someone changed the resource since
 * the caller read it (Kubernetes' 409 Conflict). Re-read and retry.
 * NOT_FOUND         Get or Delete of a resource that does not exist.
 * UNAUTHENTICATED   missing or bad bearer token in the "authorization" metadata.
 * UNAVAILABLE       the store (etcd) cannot be reached; safe to retry.
 */
export interface ConfigServiceHandlers extends grpc.UntypedServiceImplementation {
  /**
   * Creates or updates many documents in one store transaction: all are written or none.
   * INVALID_ARGUMENT if any document has an error diagnostic; ABORTED on a version conflict.
   */
  Apply: grpc.handleUnaryCall<_mesh_v1_ApplyRequest__Output, _mesh_v1_ApplyResponse>;

  /**
   * Removes one resource. NOT_FOUND if absent; ABORTED if resource_version is set and stale.
   */
  Delete: grpc.handleUnaryCall<_mesh_v1_DeleteRequest__Output, _mesh_v1_DeleteResponse>;

  /**
   * One stored resource. NOT_FOUND if absent.
   */
  Get: grpc.handleUnaryCall<_mesh_v1_GetRequest__Output, _mesh_v1_GetResponse>;

  /**
   * Stored resources of a kind (or all kinds) in one namespace or all.
   */
  List: grpc.handleUnaryCall<_mesh_v1_ListRequest__Output, _mesh_v1_ListResponse>;

  /**
   * What each connected proxy has been sent and has acknowledged, per type URL.
   */
  ProxyStatus: grpc.handleUnaryCall<
    _mesh_v1_ProxyStatusRequest__Output,
    _mesh_v1_ProxyStatusResponse
  >;

  /**
   * Checks documents as Apply would (parse, schema, Istio webhook rules, cross-resource
   * analysis against the stored config) without writing or checking resource versions. Always
   * OK if the documents could be read; the verdict is in the response.
   */
  Validate: grpc.handleUnaryCall<_mesh_v1_ValidateRequest__Output, _mesh_v1_ValidateResponse>;

  /**
   * Every change after from_revision, in store order, until the caller cancels. A revision
   * older than the store keeps (compacted) fails with OUT_OF_RANGE: List again and watch from
   * its revision.
   */
  Watch: grpc.handleServerStreamingCall<_mesh_v1_WatchRequest__Output, _mesh_v1_ConfigEvent>;
}

export interface ConfigServiceDefinition extends grpc.ServiceDefinition {
  Apply: MethodDefinition<
    _mesh_v1_ApplyRequest,
    _mesh_v1_ApplyResponse,
    _mesh_v1_ApplyRequest__Output,
    _mesh_v1_ApplyResponse__Output
  >;
  Delete: MethodDefinition<
    _mesh_v1_DeleteRequest,
    _mesh_v1_DeleteResponse,
    _mesh_v1_DeleteRequest__Output,
    _mesh_v1_DeleteResponse__Output
  >;
  Get: MethodDefinition<
    _mesh_v1_GetRequest,
    _mesh_v1_GetResponse,
    _mesh_v1_GetRequest__Output,
    _mesh_v1_GetResponse__Output
  >;
  List: MethodDefinition<
    _mesh_v1_ListRequest,
    _mesh_v1_ListResponse,
    _mesh_v1_ListRequest__Output,
    _mesh_v1_ListResponse__Output
  >;
  ProxyStatus: MethodDefinition<
    _mesh_v1_ProxyStatusRequest,
    _mesh_v1_ProxyStatusResponse,
    _mesh_v1_ProxyStatusRequest__Output,
    _mesh_v1_ProxyStatusResponse__Output
  >;
  Validate: MethodDefinition<
    _mesh_v1_ValidateRequest,
    _mesh_v1_ValidateResponse,
    _mesh_v1_ValidateRequest__Output,
    _mesh_v1_ValidateResponse__Output
  >;
  Watch: MethodDefinition<
    _mesh_v1_WatchRequest,
    _mesh_v1_ConfigEvent,
    _mesh_v1_WatchRequest__Output,
    _mesh_v1_ConfigEvent__Output
  >;
}
