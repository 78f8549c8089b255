import * as grpc from '@grpc/grpc-js';
import {
  connectionReason,
  describeRpcError,
  exitCodeForStatus,
  GRPC_STATUS,
  RpcError,
  statusName,
} from './rpc.js';

const context = { address: 'localhost:15010', timeoutMs: 10_000 };
const describeCode = (code: number, details: string) =>
  describeRpcError(new RpcError(code, details), context);

describe('GRPC_STATUS', () => {
  it('has the numbers and names of @grpc/grpc-js', () => {
    for (const [name, code] of Object.entries(GRPC_STATUS))
      expect(grpc.status[name as keyof typeof grpc.status]).toBe(code);
    expect(Object.keys(GRPC_STATUS)).toHaveLength(
      Object.values(grpc.status).filter((v) => typeof v === 'number').length,
    );
    expect(statusName(14)).toBe('UNAVAILABLE');
    expect(statusName(99)).toBe('status 99');
  });
});

describe('exitCodeForStatus', () => {
  it.each([
    ['OK', 0],
    ['INVALID_ARGUMENT', 1],
    ['NOT_FOUND', 1],
    ['ABORTED', 1],
    ['UNAUTHENTICATED', 1],
    ['PERMISSION_DENIED', 1],
    ['FAILED_PRECONDITION', 1],
    ['ALREADY_EXISTS', 1],
    ['OUT_OF_RANGE', 1],
    ['UNAVAILABLE', 3],
    ['DEADLINE_EXCEEDED', 3],
    ['UNIMPLEMENTED', 3],
    ['INTERNAL', 3],
    ['UNKNOWN', 3],
    ['CANCELLED', 3],
    ['RESOURCE_EXHAUSTED', 3],
    ['DATA_LOSS', 3],
  ] as const)('%s -> %i', (name, exit) => {
    expect(exitCodeForStatus(GRPC_STATUS[name])).toBe(exit);
  });
});

describe('connectionReason', () => {
  it('keeps the socket error of a grpc-js connection failure', () => {
    expect(
      connectionReason(
        'No connection established. Last error: Error: connect ECONNREFUSED 127.0.0.1:1. Resolution note: ',
      ),
    ).toBe('connect ECONNREFUSED 127.0.0.1:1');
    expect(connectionReason('Name resolution failed for target dns:nope.invalid:15010')).toBe(
      'Name resolution failed for target dns:nope.invalid:15010',
    );
  });
});

describe('describeRpcError', () => {
  it('says how to get a control plane when none answers, exit 3', () => {
    expect(
      describeCode(
        GRPC_STATUS.UNAVAILABLE,
        'No connection established. Last error: Error: connect ECONNREFUSED 127.0.0.1:15010. Resolution note: ',
      ),
    ).toEqual({
      exitCode: 3,
      message:
        'Error: cannot reach the control plane at localhost:15010: connect ECONNREFUSED 127.0.0.1:15010. ' +
        'Start a local mesh with `meshctl up` (or `npx mesh-control-plane`), or set --control-plane / MESH_CONTROL_PLANE.',
    });
  });

  it('tells a store outage from an unreachable control plane', () => {
    expect(describeCode(GRPC_STATUS.UNAVAILABLE, 'etcd is unavailable')).toEqual({
      exitCode: 3,
      message:
        'Error: the control plane at localhost:15010 is unavailable: etcd is unavailable. It is safe to retry.',
    });
  });

  it('names the timeout', () => {
    expect(describeCode(GRPC_STATUS.DEADLINE_EXCEEDED, 'Deadline exceeded')).toEqual({
      exitCode: 3,
      message:
        'Error: the control plane at localhost:15010 did not answer within 10s. Check that it is running and reachable, or raise --timeout.',
    });
  });

  it('lists every way to pass a token when refused, exit 1', () => {
    expect(describeCode(GRPC_STATUS.UNAUTHENTICATED, 'missing bearer token')).toEqual({
      exitCode: 1,
      message:
        'Error: the control plane refused the call: missing bearer token. Pass --token, set MESH_TOKEN, or run where the local control plane wrote $MESH_HOME/token.',
    });
  });

  it('adds a hint to re-read after a conflict', () => {
    const { message, exitCode } = describeCode(
      GRPC_STATUS.ABORTED,
      'VirtualService default/reviews: resourceVersion 3 is stale (now 5); read it again and retry',
    );
    expect(exitCode).toBe(1);
    expect(message.split('\n')).toEqual([
      'Error: VirtualService default/reviews: resourceVersion 3 is stale (now 5); read it again and retry',
      'hint: the resource changed since it was read. Read it again (meshctl get <kind> <name> -o yaml) and apply on top of that, or remove metadata.resourceVersion from the file to overwrite it.',
    ]);
  });

  it('suspects the address when the method is not served', () => {
    expect(
      describeCode(GRPC_STATUS.UNIMPLEMENTED, 'The server does not implement the method'),
    ).toEqual({
      exitCode: 3,
      message:
        'Error: localhost:15010 does not serve mesh.v1.ConfigService (The server does not implement the method). Is --control-plane pointing at a mesh control plane of this version?',
    });
  });

  it('names the status of anything else', () => {
    expect(describeCode(GRPC_STATUS.INTERNAL, 'boom')).toEqual({
      exitCode: 3,
      message: 'Error: the control plane at localhost:15010 failed the call: INTERNAL: boom',
    });
    expect(
      describeCode(GRPC_STATUS.INVALID_ARGUMENT, 'ApplyRequest.documents[0].kind: is required'),
    ).toEqual({
      exitCode: 1,
      message:
        'Error: the control plane rejected the request: ApplyRequest.documents[0].kind: is required',
    });
  });
});
