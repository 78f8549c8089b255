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
  // llhttp's parse errors: HPE_* codes.
  if (code?.startsWith('HPE_')) return { kind: 'protocol-error', detail: message };
  return {
    kind: 'reset',
    detail: code && !message.includes(code) ? `${code}: ${message}` : message,
  };
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
