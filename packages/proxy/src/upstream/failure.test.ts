import { classifyUpstreamError } from './failure.js';

function err(code: string, message = `boom ${code}`, name = 'Error'): Error {
  return Object.assign(new Error(message), { code, name });
}

describe('classifyUpstreamError', () => {
  it.each(['ECONNREFUSED', 'EHOSTUNREACH', 'ENOTFOUND', 'MESH_CONNECT_TIMEOUT'])(
    '%s is a connect failure',
    (code) => {
      expect(classifyUpstreamError(err(code)).kind).toBe('connect-failure');
    },
  );

  it.each(['MESH_UPSTREAM_RESET', 'ECONNRESET', 'EPIPE'])('%s is a reset', (code) => {
    expect(classifyUpstreamError(err(code)).kind).toBe('reset');
  });

  it('treats parse errors as protocol errors and keeps codes in the detail', () => {
    expect(classifyUpstreamError(err('HPE_INVALID_CONSTANT', 'Expected HTTP/')).kind).toBe(
      'protocol-error',
    );
    expect(classifyUpstreamError(err('MESH_UPSTREAM_RESET', 'other side closed')).detail).toBe(
      'MESH_UPSTREAM_RESET: other side closed',
    );
    expect(classifyUpstreamError('weird').detail).toBe('weird');
  });
});
