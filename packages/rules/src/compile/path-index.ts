// A necessary-condition index over a virtual host's http routes, so route() need not try every
// route. A uri prefix (or exact path, or a regex's literal start) pins the complete path segments
// it begins with; a request can only match routes pinned to segments its own path starts with.
// Each trie node keeps the ascending list of every route that can match below it, so the walk
// ends with one list, tried in order: first-match-wins is unchanged.
import type { HTTPMatchRequest } from '../api/index.js';
import { IGNORED_HEADER_KEYS } from './http-match.js';

export interface PathNode {
  /** Route indexes, ascending, that can match a path reaching this node. */
  candidates: readonly number[];
  children: Readonly<Record<string, PathNode>>;
  /**
   * When many candidates require an exact value of one header (tenant, version, ...), the
   * candidates split by that value: each list keeps the routes that do not pin the header.
   */
  dispatch: HeaderDispatch | undefined;
}

export interface HeaderDispatch {
  header: string;
  byValue: Readonly<Record<string, readonly number[]>>;
  unpinned: readonly number[];
}

// Below this many pinned routes a linear scan is as fast as a dispatch and saves memory.
const DISPATCH_MIN_ROUTES = 8;
// Every value list repeats the unpinned routes; beyond this size the dispatch is not built.
const DISPATCH_MAX_ENTRIES = 1_000_000;

export interface PathIndex {
  root: PathNode;
}

/** The candidate routes for a request path (without query) and its lower-cased headers. */
export function candidatesFor(
  index: PathIndex,
  path: string,
  headers: Readonly<Record<string, string | undefined>>,
): readonly number[] {
  const node = deepestNode(index.root, path);
  const d = node.dispatch;
  if (!d) return node.candidates;
  const value = headers[d.header];
  return (value !== undefined ? d.byValue[value] : undefined) ?? d.unpinned;
}

function deepestNode(root: PathNode, path: string): PathNode {
  let node = root;
  // Pinned routes all start with "/", so other request targets only see the unpinned routes.
  if (path.charCodeAt(0) !== 47) return node;
  let start = 1;
  for (;;) {
    const slash = path.indexOf('/', start);
    if (slash === -1) return node;
    const child = node.children[path.slice(start, slash)];
    if (!child) return node;
    node = child;
    start = slash + 1;
  }
}

/** Where one match of a route sits in the index, and the header values it pins. */
export interface MatchEntry {
  /** Complete path segments the match's uri pins, e.g. "/api/v1/"; "/" pins nothing. */
  key: string;
  /** Header name -> exact value this match requires. */
  pins: Readonly<Record<string, string>>;
}

/** One entry per match; a route without matches is one entry that pins nothing. */
export function routeIndexEntries(matches: readonly HTTPMatchRequest[]): MatchEntry[] {
  if (matches.length === 0) return [{ key: '/', pins: {} }];
  return matches.map((m) => ({ key: matchKey(m), pins: exactHeaders(m) }));
}

function matchKey(m: HTTPMatchRequest): string {
  const uri = m.uri;
  // ignoreUriCase and regexes without a literal start can match any path.
  if (!uri || m.ignoreUriCase) return '/';
  const literal =
    uri.exact ?? uri.prefix ?? (uri.regex !== undefined ? regexLiteralStart(uri.regex) : undefined);
  if (literal === undefined || !literal.startsWith('/')) return '/';
  return literal.slice(0, literal.lastIndexOf('/') + 1);
}

function exactHeaders(m: HTTPMatchRequest): Record<string, string> {
  const pins: Record<string, string> = {};
  for (const [rawName, sm] of Object.entries(m.headers ?? {})) {
    const name = rawName.toLowerCase();
    if (sm.exact !== undefined && !IGNORED_HEADER_KEYS.has(name)) pins[name] = sm.exact;
  }
  return pins;
}

const META = new Set(['\\', '.', '+', '*', '?', '(', ')', '|', '[', ']', '{', '}', '^', '$']);

/** Literal text every full match of an RE2 pattern must start with (conservative). */
export function regexLiteralStart(pattern: string): string | undefined {
  if (pattern.includes('|')) return undefined;
  let i = 0;
  while (i < pattern.length && !META.has(pattern[i]!)) i++;
  let literal = pattern.slice(0, i);
  // `ab*`, `ab?`, `ab{0,2}` make the last literal character optional.
  const next = pattern[i];
  if (next === '*' || next === '?' || next === '{') literal = literal.slice(0, -1);
  return literal;
}

interface Entry {
  route: number;
  pins: Readonly<Record<string, string>>;
}

interface BuildNode {
  own: Entry[];
  children: Map<string, BuildNode>;
}

export function buildPathIndex(entriesPerRoute: readonly (readonly MatchEntry[])[]): PathIndex {
  const root: BuildNode = { own: [], children: new Map() };
  entriesPerRoute.forEach((entries, route) => {
    for (const { key, pins } of entries) {
      let node = root;
      if (key !== '/') {
        for (const segment of key.slice(1, -1).split('/')) {
          let child = node.children.get(segment);
          if (!child) node.children.set(segment, (child = { own: [], children: new Map() }));
          node = child;
        }
      }
      node.own.push({ route, pins });
    }
  });
  return { root: finish(root, []) };
}

/**
 * A request reaching a node can only match through the entries on the way to it, so those
 * decide both the candidate routes and the header values each candidate can still match.
 */
function finish(node: BuildNode, inherited: readonly Entry[]): PathNode {
  const visible = node.own.length === 0 ? inherited : [...inherited, ...node.own];
  const children = Object.create(null) as Record<string, PathNode>;
  for (const [segment, child] of node.children) children[segment] = finish(child, visible);
  const candidates = [...new Set(visible.map((e) => e.route))].sort((a, b) => a - b);
  return { candidates, children, dispatch: buildDispatch(candidates, visible) };
}

function buildDispatch(
  candidates: readonly number[],
  visible: readonly Entry[],
): HeaderDispatch | undefined {
  // Per route: header -> values, kept only for headers that every visible match of it pins.
  const pinsByRoute = new Map<number, Map<string, Set<string>>>();
  for (const e of visible) {
    const known = pinsByRoute.get(e.route);
    if (!known) {
      pinsByRoute.set(e.route, new Map(Object.entries(e.pins).map(([h, v]) => [h, new Set([v])])));
      continue;
    }
    for (const [h, values] of known) {
      const v = e.pins[h];
      if (v === undefined) known.delete(h);
      else values.add(v);
    }
  }
  const counts = new Map<string, number>();
  for (const pins of pinsByRoute.values()) {
    for (const h of pins.keys()) counts.set(h, (counts.get(h) ?? 0) + 1);
  }
  let header: string | undefined;
  let best = 0;
  for (const [h, n] of counts) {
    if (n > best) [header, best] = [h, n];
  }
  if (header === undefined || best < DISPATCH_MIN_ROUTES) return undefined;
  const unpinned: number[] = [];
  const values = new Set<string>();
  for (const route of candidates) {
    const wanted = pinsByRoute.get(route)?.get(header);
    if (wanted) for (const v of wanted) values.add(v);
    else unpinned.push(route);
  }
  if (values.size * (unpinned.length + 1) > DISPATCH_MAX_ENTRIES) return undefined;
  const byValue = Object.create(null) as Record<string, number[]>;
  for (const v of values) byValue[v] = [];
  // Candidates are walked in order so that every list stays ascending (first match wins).
  for (const route of candidates) {
    const wanted = pinsByRoute.get(route)?.get(header);
    for (const v of wanted ?? values) byValue[v]!.push(route);
  }
  return { header, byValue, unpinned };
}
