import { grpcDeadlineMs, parseGrpcTimeout } from './grpc.js';

describe('grpc-timeout', () => {
  it('reads every unit of the gRPC over HTTP/2 spec', () => {
    expect(parseGrpcTimeout('2H')).toBe(7_200_000);
    expect(parseGrpcTimeout('3M')).toBe(180_000);
    expect(parseGrpcTimeout('5S')).toBe(5000);
    expect(parseGrpcTimeout('250m')).toBe(250);
    expect(parseGrpcTimeout('1500u')).toBe(2);
    expect(parseGrpcTimeout('99999999n')).toBe(100);
    // Under a millisecond is still a deadline, not none.
    expect(parseGrpcTimeout('1n')).toBe(1);
  });

  it('refuses what the spec does not allow: more than 8 digits, no unit, other units', () => {
    for (const bad of ['123456789m', '100', 'm', '10s', '1.5S', '-1S', ' 1S', '', undefined])
      expect(parseGrpcTimeout(bad)).toBeUndefined();
  });

  it("honours the client's deadline, capped by the route timeout as Istio's grpcTimeoutHeaderMax", () => {
    expect(grpcDeadlineMs('200m', undefined)).toEqual({ ms: 200, fromHeader: true });
    expect(grpcDeadlineMs('200m', 0)).toEqual({ ms: 200, fromHeader: true });
    expect(grpcDeadlineMs('200m', 1000)).toEqual({ ms: 200, fromHeader: true });
    expect(grpcDeadlineMs('10S', 1000)).toEqual({ ms: 1000, fromHeader: false });
    expect(grpcDeadlineMs(undefined, 1000)).toEqual({ ms: 1000, fromHeader: false });
    expect(grpcDeadlineMs('garbage', 1000)).toEqual({ ms: 1000, fromHeader: false });
    expect(grpcDeadlineMs(undefined, undefined)).toBeUndefined();
  });
});
