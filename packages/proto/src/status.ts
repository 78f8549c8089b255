// gRPC error statuses of the config API. An error status carries no response message, so the
// diagnostics of an INVALID_ARGUMENT travel as a serialized DiagnosticList in trailing metadata.
import * as grpc from '@grpc/grpc-js';
import protobuf from 'protobufjs';
import type { Diagnostic } from '@mesh/rules';
import { decodeDiagnostic, encodeDiagnostic } from './config-codec.js';
import type { DiagnosticList__Output } from './generated/mesh/v1/DiagnosticList.js';
import { defaultProtoDir, PROTO_FILES } from './load.js';

/** Trailing-metadata key of INVALID_ARGUMENT diagnostics (binary: the `-bin` suffix). */
export const DIAGNOSTICS_METADATA_KEY = 'mesh-diagnostics-bin';

let diagnosticListType: protobuf.Type | undefined;

function listType(): protobuf.Type {
  if (!diagnosticListType) {
    const dir = defaultProtoDir();
    const root = new protobuf.Root();
    root.resolvePath = (_origin, target) => `${dir}/${target}`;
    root.loadSync([...PROTO_FILES], { keepCase: false });
    diagnosticListType = root.lookupType('mesh.v1.DiagnosticList');
  }
  return diagnosticListType;
}

/** The status a handler passes to its callback when documents have error diagnostics. */
export function invalidArgument(diagnostics: readonly Diagnostic[]): Partial<grpc.StatusObject> {
  const type = listType();
  const metadata = new grpc.Metadata();
  const bytes = type
    .encode(type.fromObject({ diagnostics: diagnostics.map(encodeDiagnostic) }))
    .finish();
  metadata.set(DIAGNOSTICS_METADATA_KEY, Buffer.from(bytes));
  const errors = diagnostics.filter((d) => d.severity === 'error');
  const first = errors[0] ?? diagnostics[0];
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more errors)` : '';
  return {
    code: grpc.status.INVALID_ARGUMENT,
    details: first
      ? `${first.kind} ${first.namespace}/${first.name}: ${first.path ? `${first.path}: ` : ''}${first.message}${more}`
      : 'invalid argument',
    metadata,
  };
}

/** ABORTED: the resource changed since the caller read `expected` (Kubernetes' 409). */
export function conflict(
  kind: string,
  namespace: string,
  name: string,
  expected: string,
  actual: string,
): Partial<grpc.StatusObject> {
  return {
    code: grpc.status.ABORTED,
    details: `${kind} ${namespace}/${name}: resourceVersion ${expected} is stale (now ${actual}); read it again and retry`,
  };
}

/** The diagnostics an INVALID_ARGUMENT error carries; [] for other errors. */
export function diagnosticsFromError(err: grpc.ServiceError): Diagnostic[] {
  if (err.code !== grpc.status.INVALID_ARGUMENT) return [];
  const type = listType();
  return err.metadata.get(DIAGNOSTICS_METADATA_KEY).flatMap((value) => {
    const bytes = typeof value === 'string' ? Buffer.from(value, 'base64') : value;
    const message = type.decode(bytes) as unknown as { diagnostics: object[] };
    const wire = type.toObject(message as unknown as protobuf.Message, {
      longs: String,
      enums: String,
      defaults: true,
      oneofs: true,
    }) as DiagnosticList__Output;
    // protobufjs's toObject does not name the synthetic oneof of a proto3 `optional` field, so
    // presence is read from the decoded message: only fields on the wire are own properties.
    wire.diagnostics.forEach((d, i) => {
      const decoded = message.diagnostics[i];
      if (decoded && Object.hasOwn(decoded, 'sourceDocument')) d._sourceDocument = 'sourceDocument';
    });
    return wire.diagnostics.map((d, i) =>
      decodeDiagnostic(d, 'DiagnosticList', `diagnostics[${i}]`),
    );
  });
}
