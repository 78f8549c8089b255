import { classifyUpstreamError } from './failure.js';

function err(code: string, message = `boom ${code}`, name = 'Error'): Error {
  return Object.assign(new Error(message), { code, name });
}

describe('classifyUpstreamError', () => {
  it.each(['ECONNREFUSED', 'EHOSTUNREACH', 'ENOTFOUND', 'UND_ERR_CONNECT_TIMEOUT'])(
    '%s is a connect failure',
    (code) => {
      expect(classifyUpstreamError(err(code)).kind).toBe('connect-failure');
    },
  );

  it.each(['UND_ERR_SOCKET', 'ECONNRESET', 'EPIPE'])('%s is a reset', (code) => {
    expect(classifyUpstreamError(err(code)).kind).toBe('reset');
  });

  it('treats parse errors as protocol errors and keeps codes in the detail', () => {
    expect(classifyUpstreamError(err('HPE_INVALID_CONSTANT', 'Expected HTTP/')).kind).toBe(
      'protocol-error',
    );
    expect(classifyUpstreamError(err('UND_ERR_SOCKET', 'other side closed')).detail).toBe(
      'UND_ERR_SOCKET: other side closed',
    );
    expect(classifyUpstreamError('weird').detail).toBe('weird');
  });
});
