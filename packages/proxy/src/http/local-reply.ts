// Replies the proxy makes up itself. Each carries an Envoy response flag and a reason in plain
// words; the reason becomes the body and, prefixed with the flag, the `x-mesh-error` header, so a
// user sees in curl output what the access log records.
import type {
  HeaderMap,
  LocalReply,
  ProxyResponse,
  ResponseFlag,
  UpstreamFailure,
} from './types.js';

export const MESH_ERROR_HEADER = 'x-mesh-error';

const NO_HEADERS: HeaderMap = Object.freeze(Object.create(null) as HeaderMap);

export function localReply(
  status: number,
  flag: ResponseFlag | undefined,
  reason: string,
  failure?: UpstreamFailure,
): ProxyResponse {
  const local: LocalReply = failure ? { flag, reason, failure } : { flag, reason };
  return { status, headers: NO_HEADERS, body: undefined, local };
}

/** Status, headers and body of a local reply as written to the client. */
export function renderLocalReply(response: ProxyResponse & { local: LocalReply }): {
  status: number;
  headers: HeaderMap;
  body: Buffer;
} {
  const body = Buffer.from(`${response.local.reason}\n`);
  return {
    status: response.status,
    headers: {
      ...response.headers,
      'content-type': 'text/plain; charset=utf-8',
      'content-length': String(body.length),
      [MESH_ERROR_HEADER]: headerSafe(
        response.local.flag
          ? `${response.local.flag} ${response.local.reason}`
          : response.local.reason,
      ),
    },
    body,
  };
}

/**
 * Reasons quote hosts, paths and error messages that may hold bytes a header cannot carry; the
 * body keeps the exact text, the header gets a printable-ASCII rendering.
 */
export function headerSafe(text: string): string {
  const clean = text.replace(/[^\x20-\x7e]/g, '?');
  return clean.length > 1024 ? `${clean.slice(0, 1021)}...` : clean;
}
