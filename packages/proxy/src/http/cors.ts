// HTTPRoute.corsPolicy as Envoy's CORS filter applies it (cors_filter.cc), with the policy Istio
// builds from it (TranslateCORSPolicy in pilot's route.go). Only requests with a non-empty Origin
// are looked at. A preflight (OPTIONS with Origin and Access-Control-Request-Method) from an
// allowed origin is answered here with 200 and the policy's headers; from any other origin it goes
// upstream untouched (unmatchedPreflights FORWARD, the default) or is answered here without
// access-control-allow-origin (IGNORE), which the browser reads as a failed preflight. Every other
// response to an allowed origin gets access-control-allow-origin (the request's origin, echoed),
// -allow-credentials and -expose-headers; a response to an origin that is not allowed gets nothing.
// The filter sits before the fault filter and the router: its preflight reply skips both and gets
// no route header operations, while the router's own local replies (503 UH, 504 UT) and fault
// aborts do get the CORS response headers.
import { fullMatchRegex, parseDuration, type CorsPolicy, type StringMatch } from '@mesh/rules';
import { headerValue, withHeaders } from './headers.js';
import type { Handler, HeaderMap, Layer, ProxyResponse } from './types.js';

/** Envoy's response_code_details for a preflight it answered. */
export const CORS_RESPONSE_DETAILS = 'cors_response';

/** A CorsPolicy as the Envoy route config Istio generates carries it. */
export interface CompiledCors {
  /** Envoy's isOriginAllowed: any matcher matching the origin, or matching `*`. */
  readonly originAllowed: (origin: string) => boolean;
  /** Istio joins the lists with ","; empty: header not sent. */
  readonly allowMethods: string;
  readonly allowHeaders: string;
  readonly exposeHeaders: string;
  /** Whole seconds (Istio's MaxAge.GetSeconds()); empty: header not sent. */
  readonly maxAge: string;
  readonly allowCredentials: boolean;
  /** Envoy's forward_not_matching_preflights: false only for unmatchedPreflights IGNORE. */
  readonly forwardNotMatchingPreflights: boolean;
}

// Route decisions hand out the compiled route's own policy object, so each is compiled once.
const compiledPolicies = new WeakMap<CorsPolicy, CompiledCors>();

export function compileCors(policy: CorsPolicy): CompiledCors {
  const known = compiledPolicies.get(policy);
  if (known) return known;
  // Istio: allowOrigins when set, else the deprecated allowOrigin as exact matches.
  const matchers: ((value: string) => boolean)[] =
    policy.allowOrigins !== undefined
      ? policy.allowOrigins.map(stringMatcher)
      : (policy.allowOrigin ?? []).map((exact) => (value: string) => value === exact);
  const maxAgeMs = policy.maxAge === undefined ? undefined : parseDuration(policy.maxAge);
  const compiled: CompiledCors = Object.freeze({
    originAllowed: (origin: string) => matchers.some((m) => m('*') || m(origin)),
    allowMethods: (policy.allowMethods ?? []).join(','),
    allowHeaders: (policy.allowHeaders ?? []).join(','),
    exposeHeaders: (policy.exposeHeaders ?? []).join(','),
    maxAge: maxAgeMs === undefined ? '' : String(Math.floor(maxAgeMs / 1000)),
    allowCredentials: policy.allowCredentials === true,
    forwardNotMatchingPreflights: policy.unmatchedPreflights !== 'IGNORE',
  });
  compiledPolicies.set(policy, compiled);
  return compiled;
}

/**
 * Envoy's StringMatcher for Istio's StringMatch (ConvertToEnvoyMatch): exact, prefix, or a
 * regex run with RE2 against the whole value, as @mesh/rules runs route regexes. A match naming
 * nothing, or a regex RE2 rejects (validation reports both), matches nothing.
 */
function stringMatcher(m: StringMatch): (value: string) => boolean {
  if (m.exact !== undefined) {
    const exact = m.exact;
    return (value) => value === exact;
  }
  if (m.prefix !== undefined) {
    const prefix = m.prefix;
    return (value) => value.startsWith(prefix);
  }
  if (m.regex !== undefined) {
    const re = fullMatchRegex(m.regex);
    return re ? (value) => re.test(value) : () => false;
  }
  return () => false;
}

export function corsLayer(policy: CorsPolicy | undefined): Layer | undefined {
  if (!policy) return undefined;
  const cors = compileCors(policy);
  return (next: Handler): Handler =>
    async (ctx) => {
      const origin = headerValue(ctx.headers, 'origin');
      if (!origin) return next(ctx);
      const allowed = cors.originAllowed(origin);
      const requestMethod = headerValue(ctx.headers, 'access-control-request-method');
      if (ctx.method === 'OPTIONS' && requestMethod) {
        if (allowed || !cors.forwardNotMatchingPreflights) {
          ctx.info.details = CORS_RESPONSE_DETAILS;
          const reply = preflightReply(
            cors,
            allowed ? origin : undefined,
            requestMethod,
            ctx.headers,
          );
          return allowed ? withCorsHeaders(reply, cors, origin) : reply;
        }
      }
      if (!allowed) return next(ctx);
      return withCorsHeaders(await next(ctx), cors, origin);
    };
}

/**
 * Envoy's preflight reply: 200, no body, allow-origin only for an allowed origin. The other
 * headers come from the policy alone, so an IGNOREd preflight still carries them. An allowMethods
 * or allowHeaders of exactly `*` echoes what the preflight asked for.
 */
function preflightReply(
  cors: CompiledCors,
  origin: string | undefined,
  requestMethod: string,
  requestHeaders: HeaderMap,
): ProxyResponse {
  const headers: Record<string, string> = Object.create(null) as Record<string, string>;
  if (origin !== undefined) headers['access-control-allow-origin'] = origin;
  if (cors.allowCredentials) headers['access-control-allow-credentials'] = 'true';
  if (cors.allowMethods)
    headers['access-control-allow-methods'] =
      cors.allowMethods === '*' ? requestMethod : cors.allowMethods;
  if (cors.allowHeaders)
    headers['access-control-allow-headers'] =
      cors.allowHeaders === '*'
        ? (headerValue(requestHeaders, 'access-control-request-headers') ?? '')
        : cors.allowHeaders;
  if (cors.maxAge) headers['access-control-max-age'] = cors.maxAge;
  headers['content-length'] = '0';
  return { status: 200, headers, body: undefined };
}

/** Envoy's encodeHeaders for an allowed origin, on whatever response comes back. */
function withCorsHeaders(
  response: ProxyResponse,
  cors: CompiledCors,
  origin: string,
): ProxyResponse {
  const set: Record<string, string> = { 'access-control-allow-origin': origin };
  if (cors.allowCredentials) set['access-control-allow-credentials'] = 'true';
  if (cors.exposeHeaders) set['access-control-expose-headers'] = cors.exposeHeaders;
  return { ...response, headers: withHeaders(response.headers, set) };
}
