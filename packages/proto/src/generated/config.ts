// generated — do not edit. Regenerate with `npm run generate` (packages/proto/scripts/generate.mjs).
/* eslint-disable @typescript-eslint/no-explicit-any */
import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type {
  ApplyRequest as _mesh_v1_ApplyRequest,
  ApplyRequest__Output as _mesh_v1_ApplyRequest__Output,
} from './mesh/v1/ApplyRequest.js';
import type {
  ApplyResponse as _mesh_v1_ApplyResponse,
  ApplyResponse__Output as _mesh_v1_ApplyResponse__Output,
} from './mesh/v1/ApplyResponse.js';
import type {
  ConfigEvent as _mesh_v1_ConfigEvent,
  ConfigEvent__Output as _mesh_v1_ConfigEvent__Output,
} from './mesh/v1/ConfigEvent.js';
import type {
  ConfigServiceClient as _mesh_v1_ConfigServiceClient,
  ConfigServiceDefinition as _mesh_v1_ConfigServiceDefinition,
} from './mesh/v1/ConfigService.js';
import type {
  DeleteRequest as _mesh_v1_DeleteRequest,
  DeleteRequest__Output as _mesh_v1_DeleteRequest__Output,
} from './mesh/v1/DeleteRequest.js';
import type {
  DeleteResponse as _mesh_v1_DeleteResponse,
  DeleteResponse__Output as _mesh_v1_DeleteResponse__Output,
} from './mesh/v1/DeleteResponse.js';
import type {
  Diagnostic as _mesh_v1_Diagnostic,
  Diagnostic__Output as _mesh_v1_Diagnostic__Output,
} from './mesh/v1/Diagnostic.js';
import type {
  DiagnosticList as _mesh_v1_DiagnosticList,
  DiagnosticList__Output as _mesh_v1_DiagnosticList__Output,
} from './mesh/v1/DiagnosticList.js';
import type {
  Document as _mesh_v1_Document,
  Document__Output as _mesh_v1_Document__Output,
} from './mesh/v1/Document.js';
import type {
  DocumentResult as _mesh_v1_DocumentResult,
  DocumentResult__Output as _mesh_v1_DocumentResult__Output,
} from './mesh/v1/DocumentResult.js';
import type {
  GetRequest as _mesh_v1_GetRequest,
  GetRequest__Output as _mesh_v1_GetRequest__Output,
} from './mesh/v1/GetRequest.js';
import type {
  GetResponse as _mesh_v1_GetResponse,
  GetResponse__Output as _mesh_v1_GetResponse__Output,
} from './mesh/v1/GetResponse.js';
import type {
  ListRequest as _mesh_v1_ListRequest,
  ListRequest__Output as _mesh_v1_ListRequest__Output,
} from './mesh/v1/ListRequest.js';
import type {
  ListResponse as _mesh_v1_ListResponse,
  ListResponse__Output as _mesh_v1_ListResponse__Output,
} from './mesh/v1/ListResponse.js';
import type {
  ProxyStatusRequest as _mesh_v1_ProxyStatusRequest,
  ProxyStatusRequest__Output as _mesh_v1_ProxyStatusRequest__Output,
} from './mesh/v1/ProxyStatusRequest.js';
import type {
  ProxyStatusResponse as _mesh_v1_ProxyStatusResponse,
  ProxyStatusResponse__Output as _mesh_v1_ProxyStatusResponse__Output,
} from './mesh/v1/ProxyStatusResponse.js';
import type {
  ProxyStatusRow as _mesh_v1_ProxyStatusRow,
  ProxyStatusRow__Output as _mesh_v1_ProxyStatusRow__Output,
} from './mesh/v1/ProxyStatusRow.js';
import type {
  TypeSyncStatus as _mesh_v1_TypeSyncStatus,
  TypeSyncStatus__Output as _mesh_v1_TypeSyncStatus__Output,
} from './mesh/v1/TypeSyncStatus.js';
import type {
  ValidateRequest as _mesh_v1_ValidateRequest,
  ValidateRequest__Output as _mesh_v1_ValidateRequest__Output,
} from './mesh/v1/ValidateRequest.js';
import type {
  ValidateResponse as _mesh_v1_ValidateResponse,
  ValidateResponse__Output as _mesh_v1_ValidateResponse__Output,
} from './mesh/v1/ValidateResponse.js';
import type {
  WatchRequest as _mesh_v1_WatchRequest,
  WatchRequest__Output as _mesh_v1_WatchRequest__Output,
} from './mesh/v1/WatchRequest.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new (...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  mesh: {
    v1: {
      ApplyRequest: MessageTypeDefinition<_mesh_v1_ApplyRequest, _mesh_v1_ApplyRequest__Output>;
      ApplyResponse: MessageTypeDefinition<_mesh_v1_ApplyResponse, _mesh_v1_ApplyResponse__Output>;
      ConfigEvent: MessageTypeDefinition<_mesh_v1_ConfigEvent, _mesh_v1_ConfigEvent__Output>;
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
      ConfigService: SubtypeConstructor<typeof grpc.Client, _mesh_v1_ConfigServiceClient> & {
        service: _mesh_v1_ConfigServiceDefinition;
      };
      DeleteRequest: MessageTypeDefinition<_mesh_v1_DeleteRequest, _mesh_v1_DeleteRequest__Output>;
      DeleteResponse: MessageTypeDefinition<
        _mesh_v1_DeleteResponse,
        _mesh_v1_DeleteResponse__Output
      >;
      Diagnostic: MessageTypeDefinition<_mesh_v1_Diagnostic, _mesh_v1_Diagnostic__Output>;
      DiagnosticList: MessageTypeDefinition<
        _mesh_v1_DiagnosticList,
        _mesh_v1_DiagnosticList__Output
      >;
      Document: MessageTypeDefinition<_mesh_v1_Document, _mesh_v1_Document__Output>;
      DocumentResult: MessageTypeDefinition<
        _mesh_v1_DocumentResult,
        _mesh_v1_DocumentResult__Output
      >;
      EventType: EnumTypeDefinition;
      GetRequest: MessageTypeDefinition<_mesh_v1_GetRequest, _mesh_v1_GetRequest__Output>;
      GetResponse: MessageTypeDefinition<_mesh_v1_GetResponse, _mesh_v1_GetResponse__Output>;
      ListRequest: MessageTypeDefinition<_mesh_v1_ListRequest, _mesh_v1_ListRequest__Output>;
      ListResponse: MessageTypeDefinition<_mesh_v1_ListResponse, _mesh_v1_ListResponse__Output>;
      Outcome: EnumTypeDefinition;
      ProxyStatusRequest: MessageTypeDefinition<
        _mesh_v1_ProxyStatusRequest,
        _mesh_v1_ProxyStatusRequest__Output
      >;
      ProxyStatusResponse: MessageTypeDefinition<
        _mesh_v1_ProxyStatusResponse,
        _mesh_v1_ProxyStatusResponse__Output
      >;
      ProxyStatusRow: MessageTypeDefinition<
        _mesh_v1_ProxyStatusRow,
        _mesh_v1_ProxyStatusRow__Output
      >;
      Severity: EnumTypeDefinition;
      SyncState: EnumTypeDefinition;
      TypeSyncStatus: MessageTypeDefinition<
        _mesh_v1_TypeSyncStatus,
        _mesh_v1_TypeSyncStatus__Output
      >;
      ValidateRequest: MessageTypeDefinition<
        _mesh_v1_ValidateRequest,
        _mesh_v1_ValidateRequest__Output
      >;
      ValidateResponse: MessageTypeDefinition<
        _mesh_v1_ValidateResponse,
        _mesh_v1_ValidateResponse__Output
      >;
      WatchRequest: MessageTypeDefinition<_mesh_v1_WatchRequest, _mesh_v1_WatchRequest__Output>;
    };
  };
}
