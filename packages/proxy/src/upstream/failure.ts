// What an upstream error means, in Envoy's terms: a connection that never came up (UF, retried
// under connect-failure) or one that broke before a response (UC, a reset), or a response the
// proxy could not parse (UPE, never retried).
export type UpstreamErrorKind = 'connect-failure' | 'reset' | 'protocol-error';

const CONNECT_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EHOSTDOWN',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EADDRNOTAVAIL',
  'MESH_CONNECT_TIMEOUT',
]);

export interface ClassifiedUpstreamError {
  readonly kind: UpstreamErrorKind;
  /** Short description for the reason text, e.g. `connect ECONNREFUSED 127.0.0.1:9`. */
  readonly detail: string;
}

export function classifyUpstreamError(err: unknown): ClassifiedUpstreamError {
  const code = codeOf(err);
  const message = messageOf(err);
  if (code !== undefined && CONNECT_CODES.has(code))
    return { kind: 'connect-failure', detail: message };
  // A TLS handshake that failed, or TLS settings that cannot be used: Envoy counts both as a
  // connection failure ("transport failure reason: TLS error: ...").
  if (code !== undefined && isTlsCode(code))
    return { kind: 'connect-failure', detail: `TLS error: ${message}` };
  // llhttp's parse errors: HPE_* codes.
  if (code?.startsWith('HPE_')) return { kind: 'protocol-error', detail: message };
  return {
    kind: 'reset',
    detail: code && !message.includes(code) ? `${code}: ${message}` : message,
  };
}

// OpenSSL's certificate verification codes as Node reports them, and Node's TLS/SSL codes.
const CERT_CODES: ReadonlySet<string> = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_SIGNATURE_FAILURE',
]);

function isTlsCode(code: string): boolean {
  return (
    CERT_CODES.has(code) ||
    code.startsWith('ERR_TLS_') ||
    code.startsWith('ERR_SSL_') ||
    code === 'MESH_TLS_CONFIG'
  );
}

function codeOf(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

// Duck-typed: errors from another realm (a vm context, a test sandbox) fail instanceof Error.
function messageOf(err: unknown): string {
  const message = (err as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : String(err);
}
