// VirtualService delegation (Istio's mergeHTTPRoutes in pilot/pkg/model/virtualservice.go): a root
// http route that names a delegate is replaced by the delegate's routes, each narrowed by the root's
// match. A delegate route whose match cannot sit inside the root match is dropped.
import type { HTTPMatchRequest, HTTPRoute, StringMatch } from '../api/index.js';

export interface MergedDelegateRoute {
  route: HTTPRoute;
  delegateIndex: number;
}

export function mergeDelegateRoutes(
  root: HTTPRoute,
  delegateRoutes: readonly HTTPRoute[],
): { merged: MergedDelegateRoute[]; conflicts: number[] } {
  const merged: MergedDelegateRoute[] = [];
  const conflicts: number[] = [];
  delegateRoutes.forEach((sub, delegateIndex) => {
    // Delegation is one level deep: a delegate's own delegate routes are not followed.
    if (sub.delegate) {
      conflicts.push(delegateIndex);
      return;
    }
    const match = mergeMatches(root.match, sub.match);
    if (match === 'conflict') {
      conflicts.push(delegateIndex);
      return;
    }
    merged.push({ route: inheritRouteFields(root, sub, match), delegateIndex });
  });
  return { merged, conflicts };
}

/** Fields the delegate leaves out come from the root route; the delegate's own values win. */
function inheritRouteFields(
  root: HTTPRoute,
  sub: HTTPRoute,
  match: HTTPMatchRequest[] | undefined,
): HTTPRoute {
  return {
    ...sub,
    match,
    name: joinNames(root.name, sub.name),
    rewrite: sub.rewrite ?? root.rewrite,
    directResponse: sub.directResponse ?? root.directResponse,
    timeout: sub.timeout ?? root.timeout,
    retries: sub.retries ?? root.retries,
    fault: sub.fault ?? root.fault,
    mirror: sub.mirror ?? root.mirror,
    mirrorPercent: sub.mirrorPercent ?? root.mirrorPercent,
    mirror_percent: sub.mirror_percent ?? root.mirror_percent,
    mirrorPercentage: sub.mirrorPercentage ?? root.mirrorPercentage,
    mirrors: sub.mirrors ?? root.mirrors,
    corsPolicy: sub.corsPolicy ?? root.corsPolicy,
    headers: sub.headers ?? root.headers,
  };
}

function joinNames(root: string | undefined, sub: string | undefined): string | undefined {
  if (!sub) return root;
  return root ? `${root}-${sub}` : sub;
}

function mergeMatches(
  root: readonly HTTPMatchRequest[] | undefined,
  sub: readonly HTTPMatchRequest[] | undefined,
): HTTPMatchRequest[] | undefined | 'conflict' {
  if (!root || root.length === 0) return sub ? [...sub] : undefined;
  if (!sub || sub.length === 0) return [...root];
  const out: HTTPMatchRequest[] = [];
  // Every delegate match must fit inside at least one root match; it is merged with each it fits.
  for (const leaf of sub) {
    let found = false;
    for (const r of root) {
      if (conflicts(r, leaf)) continue;
      out.push(mergeMatch(r, leaf));
      found = true;
    }
    if (!found) return 'conflict';
  }
  return out.length > 0 ? out : 'conflict';
}

function mergeMatch(root: HTTPMatchRequest, leaf: HTTPMatchRequest): HTTPMatchRequest {
  return {
    ...leaf,
    name: joinNames(root.name, leaf.name),
    uri: leaf.uri ?? root.uri,
    scheme: leaf.scheme ?? root.scheme,
    method: leaf.method ?? root.method,
    authority: leaf.authority ?? root.authority,
    headers: mergeMaps(root.headers, leaf.headers),
    withoutHeaders: mergeMaps(root.withoutHeaders, leaf.withoutHeaders),
    queryParams: mergeMaps(root.queryParams, leaf.queryParams),
    port: leaf.port || root.port,
    // Current Istio (mergeHTTPMatchRequest) carries these over too; older releases dropped them.
    sourceLabels: mergeMaps(root.sourceLabels, leaf.sourceLabels),
    sourceNamespace: leaf.sourceNamespace || root.sourceNamespace,
    gateways: leaf.gateways && leaf.gateways.length > 0 ? leaf.gateways : root.gateways,
  };
}

function mergeMaps<V>(
  a: Readonly<Record<string, V>> | undefined,
  b: Readonly<Record<string, V>> | undefined,
): Record<string, V> | undefined {
  if (!a && !b) return undefined;
  return { ...a, ...b };
}

function conflicts(root: HTTPMatchRequest, leaf: HTTPMatchRequest): boolean {
  if (stringConflict(root.uri, leaf.uri)) return true;
  if (stringConflict(root.scheme, leaf.scheme)) return true;
  if (stringConflict(root.method, leaf.method)) return true;
  if (stringConflict(root.authority, leaf.authority)) return true;
  for (const [k, v] of Object.entries(leaf.headers ?? {})) {
    if (stringConflict(root.headers?.[k], v)) return true;
  }
  // withoutHeaders are compared with the root's withoutHeaders (Istio hasConflict).
  for (const [k, v] of Object.entries(leaf.withoutHeaders ?? {})) {
    if (stringConflict(root.withoutHeaders?.[k], v)) return true;
  }
  for (const [k, v] of Object.entries(leaf.queryParams ?? {})) {
    if (stringConflict(root.queryParams?.[k], v)) return true;
  }
  if ((root.ignoreUriCase ?? false) !== (leaf.ignoreUriCase ?? false)) return true;
  if (root.port && leaf.port && root.port !== leaf.port) return true;
  // The root must be a superset for the source conditions and gateways as well.
  if (root.sourceNamespace && leaf.sourceNamespace !== root.sourceNamespace) return true;
  for (const [k, v] of Object.entries(leaf.sourceLabels ?? {})) {
    const rv = root.sourceLabels?.[k];
    if (rv !== undefined && rv !== v) return true;
  }
  const rootGateways = root.gateways ?? [];
  const leafGateways = leaf.gateways ?? [];
  if (rootGateways.length > 0 && leafGateways.length > 0) {
    if (leafGateways.some((g) => !rootGateways.includes(g))) return true;
  }
  return false;
}

/** Can the leaf condition only match inside the root condition? Regexes are never provably so. */
function stringConflict(root: StringMatch | undefined, leaf: StringMatch | undefined): boolean {
  if (!root || !leaf) return false;
  if (root.regex || leaf.regex) return true;
  if (root.exact) return Boolean(leaf.prefix) || leaf.exact !== root.exact;
  if (root.prefix) {
    if (leaf.prefix) return !leaf.prefix.startsWith(root.prefix);
    if (leaf.exact) return !leaf.exact.startsWith(root.prefix);
  }
  return true;
}
