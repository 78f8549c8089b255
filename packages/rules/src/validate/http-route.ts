// One http route of a VirtualService (Istio's validateHTTPRoute and what it calls).
import type {
  CorsPolicy,
  HTTPDirectResponse,
  HTTPFaultInjection,
  HTTPMatchRequest,
  HTTPRedirect,
  HTTPRetry,
  HTTPRewrite,
  HTTPRoute,
} from '../api/virtual-service.js';
import type { PathSegment } from '../diagnostics.js';
import type { ValidationContext } from './context.js';
import { checkDestination, checkWeightedDestinations } from './destination.js';
import { checkDuration } from './durations.js';
import { checkGatewayNames } from './gateway-names.js';
import { GRPC_STATUS_NAMES } from './grpc-status.js';
import {
  checkHeaderOperations,
  isAuthorityHeader,
  isJwtClaimHeader,
  isTokenHeaderName,
  matchHeaderNameProblem,
} from './header-names.js';
import { isIstioDnsLabel, checkDns1123Subdomain } from './names.js';
import { checkIntPercent, checkMirrorPercentage, checkPercentage } from './percent.js';
import { checkPort } from './ports.js';
import { unknownRetryOnPolicies } from './retry-on.js';
import { checkLabels } from './selectors.js';
import { checkRegex, checkStringMatch } from './string-match.js';

export interface HttpRouteScope {
  /** A VirtualService without hosts is a delegate: its routes cannot delegate again. */
  isDelegate: boolean;
  /** JWT claim routing needs the gateway's authentication filter, so it is gateway-only. */
  appliesToGateway: boolean;
}

const DERIVE_PORTS = ['FROM_PROTOCOL_DEFAULT', 'FROM_REQUEST_PORT'];
const UNMATCHED_PREFLIGHTS = ['UNSPECIFIED', 'FORWARD', 'IGNORE'];
// Go's net/http method constants and "*": the only methods Istio accepts in allowMethods.
const CORS_METHODS = [
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'PATCH',
  'DELETE',
  'CONNECT',
  'OPTIONS',
  'TRACE',
  '*',
];
const KB = 1024;
const MB = 1024 * KB;
// Istio's validateHTTPStatus rejects `status < 200 || status > 600`, so 600 itself passes.
const MIN_STATUS = 200;
const MAX_STATUS = 600;

export function checkHttpRoute(
  ctx: ValidationContext,
  path: readonly PathSegment[],
  http: HTTPRoute,
  scope: HttpRouteScope,
): void {
  checkConflicts(ctx, path, http, scope);
  (http.match ?? []).forEach((m, i) => checkMatch(ctx, [...path, 'match', i], m, scope));
  checkHeaderOperations(ctx, [...path, 'headers'], http.headers);
  if (http.corsPolicy) checkCors(ctx, [...path, 'corsPolicy'], http.corsPolicy);
  if (http.fault) checkFault(ctx, [...path, 'fault'], http.fault);
  if (http.mirrorPercent !== undefined) {
    ctx.warn([...path, 'mirrorPercent'], 'mirrorPercent is deprecated: use mirrorPercentage');
    checkIntPercent(ctx, [...path, 'mirrorPercent'], http.mirrorPercent);
  }
  if (http.mirror_percent !== undefined) {
    ctx.warn([...path, 'mirror_percent'], 'mirror_percent is deprecated: use mirrorPercentage');
    checkIntPercent(ctx, [...path, 'mirror_percent'], http.mirror_percent);
  }
  if (http.mirrorPercentage)
    checkMirrorPercentage(ctx, [...path, 'mirrorPercentage'], http.mirrorPercentage);
  if (http.mirror) checkDestination(ctx, [...path, 'mirror'], http.mirror);
  (http.mirrors ?? []).forEach((m, i) => {
    const where = [...path, 'mirrors', i];
    if (!m.destination)
      ctx.error([...where, 'destination'], 'destination is required for a mirror');
    else checkDestination(ctx, [...where, 'destination'], m.destination);
    if (m.percentage) checkMirrorPercentage(ctx, [...where, 'percentage'], m.percentage);
  });
  if (http.redirect) checkRedirect(ctx, [...path, 'redirect'], http.redirect);
  if (http.directResponse)
    checkDirectResponse(ctx, [...path, 'directResponse'], http.directResponse);
  if (http.delegate) checkDelegate(ctx, [...path, 'delegate'], http.delegate);
  if (http.retries) checkRetries(ctx, [...path, 'retries'], http.retries);
  if (http.rewrite) checkRewrite(ctx, [...path, 'rewrite'], http.rewrite);
  checkAuthorityRewrite(ctx, path, http);
  if (http.route) checkWeightedDestinations(ctx, [...path, 'route'], http.route);
  (http.route ?? []).forEach((r, i) =>
    checkHeaderOperations(ctx, [...path, 'route', i, 'headers'], r.headers),
  );
  checkDuration(ctx, [...path, 'timeout'], http.timeout);
}

function checkConflicts(
  ctx: ValidationContext,
  path: readonly PathSegment[],
  http: HTTPRoute,
  scope: HttpRouteScope,
): void {
  const hasRoute = (http.route?.length ?? 0) > 0;
  if (http.delegate) {
    if (scope.isDelegate)
      ctx.error([...path, 'delegate'], 'a delegate VirtualService cannot delegate again');
    else {
      // A root route hands the whole request to the delegate; it only decides which requests.
      if (http.route !== undefined)
        ctx.error([...path, 'route'], 'a route with delegate must not also set route');
      if (http.redirect)
        ctx.error([...path, 'redirect'], 'a route with delegate must not also set redirect');
      // Istio's root-route check rejects only route and redirect next to delegate.
      if (http.directResponse)
        ctx.warn(
          [...path, 'directResponse'],
          'directResponse next to delegate: the delegate VirtualService is meant to answer',
        );
      return;
    }
  }
  if (http.redirect) {
    if (hasRoute) ctx.error([...path, 'redirect'], 'route and redirect cannot be set together');
    if (http.fault) ctx.error([...path, 'fault'], 'fault cannot be set together with redirect');
    if (http.rewrite)
      ctx.error([...path, 'rewrite'], 'rewrite cannot be set together with redirect');
    if (http.directResponse)
      ctx.error([...path, 'directResponse'], 'redirect and directResponse cannot be set together');
  } else if (http.directResponse) {
    if (hasRoute)
      ctx.error([...path, 'directResponse'], 'route and directResponse cannot be set together');
    if (http.fault)
      ctx.error([...path, 'fault'], 'fault cannot be set together with directResponse');
    if (http.rewrite)
      ctx.error([...path, 'rewrite'], 'rewrite cannot be set together with directResponse');
  } else if (!hasRoute && !http.delegate) {
    ctx.error(path, 'an http route needs one of route, redirect, directResponse or delegate');
  }
  if (http.mirror && http.mirrors !== undefined)
    ctx.error([...path, 'mirrors'], 'mirror and mirrors cannot be set together');
}

function checkMatch(
  ctx: ValidationContext,
  path: readonly PathSegment[],
  m: HTTPMatchRequest,
  scope: HttpRouteScope,
): void {
  for (const field of ['uri', 'scheme', 'method', 'authority'] as const) {
    const sm = m[field];
    if (sm) checkStringMatch(ctx, [...path, field], sm, field === 'uri' ? 'uri' : 'value');
  }
  for (const field of ['headers', 'withoutHeaders'] as const) {
    for (const [name, sm] of Object.entries(m[field] ?? {})) {
      const where = [...path, field, name];
      const problem = matchHeaderNameProblem(name);
      if (problem) ctx.error(where, problem);
      else if (isJwtClaimHeader(name) && !scope.appliesToGateway) {
        ctx.error(
          where,
          `JWT claim routing ("${name}") only works on gateways: bind this VirtualService to a gateway`,
        );
      }
      checkStringMatch(ctx, where, sm, field === 'headers' ? 'value' : 'without');
    }
  }
  for (const [name, sm] of Object.entries(m.queryParams ?? {})) {
    checkStringMatch(ctx, [...path, 'queryParams', name], sm, 'value');
  }
  if (m.port !== undefined && m.port !== 0) checkPort(ctx, [...path, 'port'], m.port);
  checkLabels(ctx, [...path, 'sourceLabels'], m.sourceLabels);
  checkGatewayNames(ctx, [...path, 'gateways'], m.gateways);
  if (
    m.sourceNamespace !== undefined &&
    m.sourceNamespace !== '' &&
    !isIstioDnsLabel(m.sourceNamespace)
  ) {
    ctx.error([...path, 'sourceNamespace'], `"${m.sourceNamespace}" is not a namespace name`);
  }
}

function checkCors(ctx: ValidationContext, path: readonly PathSegment[], cors: CorsPolicy): void {
  if (cors.allowOrigin !== undefined) {
    ctx.warn([...path, 'allowOrigin'], 'allowOrigin is deprecated: use allowOrigins');
    if (cors.allowOrigins !== undefined)
      ctx.error([...path, 'allowOrigin'], 'allowOrigin and allowOrigins cannot be set together');
  }
  (cors.allowOrigins ?? []).forEach((o, i) =>
    checkStringMatch(ctx, [...path, 'allowOrigins', i], o, 'origin'),
  );
  (cors.allowMethods ?? []).forEach((method, i) => {
    if (!CORS_METHODS.includes(method)) {
      ctx.error(
        [...path, 'allowMethods', i],
        `"${method}" is not a supported HTTP method (${CORS_METHODS.join(', ')})`,
      );
    }
  });
  for (const field of ['allowHeaders', 'exposeHeaders'] as const) {
    (cors[field] ?? []).forEach((name, i) => {
      // Istio's ValidateCORSHTTPHeaderName: "*" or an HTTP token.
      if (name !== '*' && !isTokenHeaderName(name))
        ctx.error(
          [...path, field, i],
          name === ''
            ? 'header name must not be empty'
            : `"${name}" is not a valid header name (HTTP token characters only, or "*")`,
        );
    });
  }
  checkDuration(ctx, [...path, 'maxAge'], cors.maxAge, { wholeSeconds: true });
  if (
    cors.unmatchedPreflights !== undefined &&
    !UNMATCHED_PREFLIGHTS.includes(cors.unmatchedPreflights)
  ) {
    ctx.error(
      [...path, 'unmatchedPreflights'],
      `"${cors.unmatchedPreflights}" is not one of ${UNMATCHED_PREFLIGHTS.join(', ')}`,
    );
  }
}

function checkFault(
  ctx: ValidationContext,
  path: readonly PathSegment[],
  fault: HTTPFaultInjection,
): void {
  if (!fault.delay && !fault.abort)
    ctx.error(path, 'fault injection needs a delay, an abort, or both');
  const { delay, abort } = fault;
  if (delay) {
    const where = [...path, 'delay'];
    checkPercentage(ctx, [...where, 'percentage'], delay.percentage);
    if (delay.percent !== undefined) {
      // Istio's validateHTTPFaultInjectionDelay no longer range-checks the deprecated field.
      ctx.warn(
        [...where, 'percent'],
        delay.percent < 0 || delay.percent > 100
          ? `percent ${delay.percent} is not within 0..100; percent is deprecated: use percentage`
          : 'percent is deprecated: use percentage',
      );
    }
    if (delay.exponentialDelay !== undefined) {
      checkDuration(ctx, [...where, 'exponentialDelay'], delay.exponentialDelay);
      ctx.error([...where, 'exponentialDelay'], 'exponentialDelay is not supported yet');
    } else if (delay.fixedDelay === undefined)
      // Istio accepts a delay without a delay type (its switch has no default case).
      ctx.warn([...where, 'fixedDelay'], 'delay has no fixedDelay, so it injects nothing');
    checkDuration(ctx, [...where, 'fixedDelay'], delay.fixedDelay);
  }
  if (abort) {
    const where = [...path, 'abort'];
    checkPercentage(ctx, [...where, 'percentage'], abort.percentage);
    const kinds = (['httpStatus', 'grpcStatus', 'http2Error'] as const).filter(
      (k) => abort[k] !== undefined,
    );
    if (kinds.length > 1)
      ctx.error(
        where,
        `only one of httpStatus, grpcStatus or http2Error may be set, found ${kinds.join(' and ')}`,
      );
    else if (kinds.length === 0)
      ctx.warn(where, 'abort has no httpStatus or grpcStatus, so it injects nothing');
    if (
      abort.httpStatus !== undefined &&
      (abort.httpStatus < MIN_STATUS || abort.httpStatus > MAX_STATUS)
    ) {
      ctx.error(
        [...where, 'httpStatus'],
        `HTTP status ${abort.httpStatus} is not within ${MIN_STATUS}..${MAX_STATUS}`,
      );
    }
    if (abort.grpcStatus !== undefined && !GRPC_STATUS_NAMES.has(abort.grpcStatus)) {
      ctx.error(
        [...where, 'grpcStatus'],
        `"${abort.grpcStatus}" is not a gRPC status code name (e.g. "UNAVAILABLE", "NOT_FOUND")`,
      );
    }
    if (abort.http2Error !== undefined)
      ctx.error([...where, 'http2Error'], 'http2Error aborts are not supported yet');
  }
}

function checkRedirect(
  ctx: ValidationContext,
  path: readonly PathSegment[],
  r: HTTPRedirect,
): void {
  if (
    r.uri === undefined &&
    r.authority === undefined &&
    r.port === undefined &&
    r.derivePort === undefined &&
    r.scheme === undefined
  ) {
    ctx.error(path, 'redirect must set at least one of uri, authority, scheme, port or derivePort');
  }
  if (r.port !== undefined && r.derivePort !== undefined)
    ctx.error([...path, 'derivePort'], 'port and derivePort cannot be set together');
  if (r.derivePort !== undefined && !DERIVE_PORTS.includes(r.derivePort)) {
    ctx.error(
      [...path, 'derivePort'],
      `"${r.derivePort}" is not one of ${DERIVE_PORTS.join(', ')}`,
    );
  }
  if (
    r.redirectCode !== undefined &&
    r.redirectCode !== 0 &&
    (r.redirectCode < 300 || r.redirectCode > 399)
  ) {
    ctx.error([...path, 'redirectCode'], `${r.redirectCode} is not a redirect status (3xx)`);
  }
  if (r.scheme !== undefined && r.scheme !== 'http' && r.scheme !== 'https') {
    ctx.error([...path, 'scheme'], `redirect scheme "${r.scheme}" must be "http" or "https"`);
  }
  if (r.port !== undefined && r.port > 0) checkPort(ctx, [...path, 'port'], r.port);
}

// Protobuf JSON takes standard or URL-safe base64, padded or not.
const BASE64 = /^(?:[A-Za-z0-9+/_-]{4})*(?:[A-Za-z0-9+/_-]{2}(?:==)?|[A-Za-z0-9+/_-]{3}=?)?$/;

function checkDirectResponse(
  ctx: ValidationContext,
  path: readonly PathSegment[],
  d: HTTPDirectResponse,
): void {
  const status = d.status ?? 0;
  if (status < MIN_STATUS || status > MAX_STATUS) {
    ctx.error(
      [...path, 'status'],
      d.status === undefined
        ? 'status is required'
        : `HTTP status ${status} is not within ${MIN_STATUS}..${MAX_STATUS}`,
    );
  }
  const body = d.body;
  if (!body) return;
  if (body.string !== undefined && body.bytes !== undefined) {
    ctx.error([...path, 'body'], 'only one of string or bytes may be set');
    return;
  }
  if (body.bytes !== undefined && !BASE64.test(body.bytes)) {
    ctx.error([...path, 'body', 'bytes'], 'bytes must be base64-encoded');
    return;
  }
  const size =
    body.string !== undefined
      ? new TextEncoder().encode(body.string).length
      : Math.floor(((body.bytes ?? '').replace(/=+$/, '').length * 3) / 4);
  const field = body.string !== undefined ? 'string' : 'bytes';
  // Every proxy receives the body with its routes, so Istio caps it.
  if (size > MB)
    ctx.error(
      [...path, 'body', field],
      `body is ${size} bytes; direct responses must be under 1MB`,
    );
  else if (size > 100 * KB)
    ctx.warn(
      [...path, 'body', field],
      `body is ${size} bytes; large direct responses slow down config distribution`,
    );
}

function checkDelegate(
  ctx: ValidationContext,
  path: readonly PathSegment[],
  d: { name?: string | undefined; namespace?: string | undefined },
): void {
  // Istio's webhook does not look inside delegate, so these are warnings: such a reference
  // is accepted but can never resolve to a VirtualService.
  if (d.name === undefined || d.name === '')
    ctx.warn([...path, 'name'], 'delegate has no name, so it refers to no VirtualService');
  else {
    const problem = checkDns1123Subdomain(d.name);
    if (problem)
      ctx.warn([...path, 'name'], `delegate name ${problem}, so no VirtualService has it`);
  }
  if (d.namespace !== undefined && d.namespace !== '' && !isIstioDnsLabel(d.namespace)) {
    ctx.warn([...path, 'namespace'], `"${d.namespace}" is not a namespace name`);
  }
}

function checkRetries(ctx: ValidationContext, path: readonly PathSegment[], r: HTTPRetry): void {
  const attempts = r.attempts ?? 0;
  if (attempts < 0) ctx.error([...path, 'attempts'], `attempts ${attempts} is negative`);
  if (
    attempts === 0 &&
    (r.perTryTimeout !== undefined ||
      r.retryOn !== undefined ||
      r.retryRemoteLocalities !== undefined)
  ) {
    ctx.error(
      [...path, 'attempts'],
      'retries are disabled with 0 attempts, yet perTryTimeout, retryOn or retryRemoteLocalities is set',
    );
  }
  checkDuration(ctx, [...path, 'perTryTimeout'], r.perTryTimeout);
  checkDuration(ctx, [...path, 'backoff'], r.backoff);
  if (r.retryOn !== undefined && r.retryOn !== '') {
    for (const policy of unknownRetryOnPolicies(r.retryOn)) {
      ctx.error(
        [...path, 'retryOn'],
        `"${policy}" is not a retryOn policy (Envoy's retry-on names such as "5xx", "connect-failure", or an HTTP status code; no spaces)`,
      );
    }
  }
}

function checkRewrite(ctx: ValidationContext, path: readonly PathSegment[], r: HTTPRewrite): void {
  if (r.uri !== undefined && r.uri !== '' && r.uriRegexRewrite) {
    ctx.error([...path, 'uriRegexRewrite'], 'uri and uriRegexRewrite cannot be set together');
  }
  if ((r.uri ?? '') === '' && !r.uriRegexRewrite && (r.authority ?? '') === '') {
    ctx.error(path, 'rewrite must set uri, uriRegexRewrite or authority');
  }
  const rr = r.uriRegexRewrite;
  if (rr) {
    if ((rr.match ?? '') === '')
      ctx.error(
        [...path, 'uriRegexRewrite', 'match'],
        'uriRegexRewrite needs both match and rewrite',
      );
    else checkRegex(ctx, [...path, 'uriRegexRewrite', 'match'], rr.match!);
    if ((rr.rewrite ?? '') === '')
      ctx.error(
        [...path, 'uriRegexRewrite', 'rewrite'],
        'uriRegexRewrite needs both match and rewrite',
      );
  }
}

/** The authority can be rewritten in one place only; two would race in Envoy's header order. */
function checkAuthorityRewrite(
  ctx: ValidationContext,
  path: readonly PathSegment[],
  http: HTTPRoute,
): void {
  let current = http.rewrite?.authority ?? '';
  const req = http.headers?.request;
  for (const op of ['set', 'add'] as const) {
    for (const [name, value] of Object.entries(req?.[op] ?? {})) {
      if (!isAuthorityHeader(name)) continue;
      if (current !== '') {
        ctx.error(
          [...path, 'headers', 'request', op, name],
          `the authority is already rewritten to "${current}"; it cannot also be set to "${value}"`,
        );
        return;
      }
      current = value;
    }
  }
}
