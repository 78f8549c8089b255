// generated — do not edit. Regenerate with `npm run generate` (packages/proto/scripts/generate.mjs).
/* eslint-disable @typescript-eslint/no-explicit-any */
import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type {
  DiscoveryRequest as _mesh_v1_DiscoveryRequest,
  DiscoveryRequest__Output as _mesh_v1_DiscoveryRequest__Output,
} from './mesh/v1/DiscoveryRequest.js';
import type {
  DiscoveryResponse as _mesh_v1_DiscoveryResponse,
  DiscoveryResponse__Output as _mesh_v1_DiscoveryResponse__Output,
} from './mesh/v1/DiscoveryResponse.js';
import type {
  DiscoveryServiceClient as _mesh_v1_DiscoveryServiceClient,
  DiscoveryServiceDefinition as _mesh_v1_DiscoveryServiceDefinition,
} from './mesh/v1/DiscoveryService.js';
import type {
  Node as _mesh_v1_Node,
  Node__Output as _mesh_v1_Node__Output,
} from './mesh/v1/Node.js';
import type {
  Resource as _mesh_v1_Resource,
  Resource__Output as _mesh_v1_Resource__Output,
} from './mesh/v1/Resource.js';
import type {
  Status as _mesh_v1_Status,
  Status__Output as _mesh_v1_Status__Output,
} from './mesh/v1/Status.js';
import type {
  WorkloadPort as _mesh_v1_WorkloadPort,
  WorkloadPort__Output as _mesh_v1_WorkloadPort__Output,
} from './mesh/v1/WorkloadPort.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new (...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  mesh: {
    v1: {
      DiscoveryRequest: MessageTypeDefinition<
        _mesh_v1_DiscoveryRequest,
        _mesh_v1_DiscoveryRequest__Output
      >;
      DiscoveryResponse: MessageTypeDefinition<
        _mesh_v1_DiscoveryResponse,
        _mesh_v1_DiscoveryResponse__Output
      >;
      /**
       * One bidirectional stream per proxy carries every resource type (aggregated, as Envoy's ADS),
       * so the control plane can order pushes across types (clusters before the routes that name
       * them) on a single connection.
       */
      DiscoveryService: SubtypeConstructor<typeof grpc.Client, _mesh_v1_DiscoveryServiceClient> & {
        service: _mesh_v1_DiscoveryServiceDefinition;
      };
      Node: MessageTypeDefinition<_mesh_v1_Node, _mesh_v1_Node__Output>;
      Resource: MessageTypeDefinition<_mesh_v1_Resource, _mesh_v1_Resource__Output>;
      Status: MessageTypeDefinition<_mesh_v1_Status, _mesh_v1_Status__Output>;
      WorkloadPort: MessageTypeDefinition<_mesh_v1_WorkloadPort, _mesh_v1_WorkloadPort__Output>;
    };
  };
}
