// A real POST for tests of code that takes one (the sidecar hands in its connection pool).
import type { HttpPost } from '../otlp-post-transport.js';

export const fetchPost: HttpPost = async ({ url, headers, body, timeoutMs }) => {
  const res = await fetch(url, {
    method: 'POST',
    headers,
    body,
    signal: AbortSignal.timeout(timeoutMs),
  });
  return {
    statusCode: res.status,
    headers: Object.fromEntries(res.headers),
    body: Buffer.from(await res.arrayBuffer()),
  };
};
