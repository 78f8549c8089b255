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
  /**
   * Built where `dispatch` is not: the candidates' matches split by one condition each (a header's
   * exact value or prefix, or the method), so that a route is tried only if one of its matches
   * can still hold. undefined: nothing worth narrowing.
   */
  groups: MatchGroups | undefined;
}

/**
 * Entry-level narrowing. Each group owns the matches that pin its condition; `rest` holds the
 * routes with a match no group owns. A request's candidates are the ascending union of `rest` and
 * each group's list for the request's value.
 */
export interface MatchGroups {
  groups: readonly MatchGroup[];
  rest: readonly number[];
}

export type MatchGroup =
  | {
      kind: 'exact';
      on: PinSource;
      name: string;
      byValue: Readonly<Record<string, readonly number[]>>;
    }
  | {
      kind: 'prefix';
      on: PinSource;
      name: string;
      /** Every prefix -> the routes whose prefix is a prefix of it (ascending). */
      byPrefix: Readonly<Record<string, readonly number[]>>;
      /** Distinct prefix lengths, longest first: the first hit is the most specific list. */
      lengths: readonly number[];
    };

export type PinSource = 'header' | 'method';

/** A condition a match cannot hold without: header `name` (lower-cased) or the method. */
export interface Pin {
  on: PinSource;
  name: string;
  kind: 'exact' | 'prefix';
  value: string;
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
  method?: string,
): readonly number[] {
  const node = deepestNode(index.root, path);
  const d = node.dispatch;
  if (d) {
    const value = headers[d.header];
    return (value !== undefined ? d.byValue[value] : undefined) ?? d.unpinned;
  }
  const g = node.groups;
  if (!g) return node.candidates;
  let out = g.rest;
  for (let i = 0; i < g.groups.length; i++) {
    const group = g.groups[i]!;
    const value = group.on === 'method' ? method : headers[group.name];
    // Without a method to look at (callers other than route()), every match of the group stays.
    const list =
      group.on === 'method' && value === undefined
        ? allOf(group)
        : value === undefined
          ? NONE
          : groupList(group, value);
    if (list.length === 0) continue;
    out = out.length === 0 ? list : mergeAscending(out, list);
  }
  return out;
}

const NONE: readonly number[] = Object.freeze([]);

function groupList(group: MatchGroup, value: string): readonly number[] {
  if (group.kind === 'exact') return group.byValue[value] ?? NONE;
  const lengths = group.lengths;
  for (let i = 0; i < lengths.length; i++) {
    const n = lengths[i]!;
    if (n > value.length) continue;
    const hit = group.byPrefix[n === value.length ? value : value.slice(0, n)];
    if (hit) return hit;
  }
  return NONE;
}

function allOf(group: MatchGroup): readonly number[] {
  const lists = Object.values(group.kind === 'exact' ? group.byValue : group.byPrefix);
  let out: readonly number[] = NONE;
  for (const list of lists) out = mergeAscending(out, list);
  return out;
}

/** Union of two ascending lists, ascending, without duplicates: first match wins stays intact. */
export function mergeAscending(a: readonly number[], b: readonly number[]): number[] {
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a[i]!;
    const y = b[j]!;
    if (x <= y) {
      out.push(x);
      i++;
      if (x === y) j++;
    } else {
      out.push(y);
      j++;
    }
  }
  while (i < a.length) out.push(a[i++]!);
  while (j < b.length) out.push(b[j++]!);
  return out;
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
  /** Every header exact/prefix and method exact condition of the match (for MatchGroups). */
  conditions?: readonly Pin[];
}

/** One entry per match; a route without matches is one entry that pins nothing. */
export function routeIndexEntries(matches: readonly HTTPMatchRequest[]): MatchEntry[] {
  if (matches.length === 0) return [{ key: '/', pins: {}, conditions: [] }];
  return matches.map((m) => ({ key: matchKey(m), pins: exactHeaders(m), conditions: pinsOf(m) }));
}

function pinsOf(m: HTTPMatchRequest): Pin[] {
  const out: Pin[] = [];
  // `{}`/`*` on the method is "present" (always true); only a plain exact value narrows.
  if (m.method?.exact !== undefined) {
    out.push({ on: 'method', name: '', kind: 'exact', value: m.method.exact });
  }
  for (const [rawName, sm] of Object.entries(m.headers ?? {})) {
    const name = rawName.toLowerCase();
    if (IGNORED_HEADER_KEYS.has(name)) continue;
    // Same tests as http-match.ts headerCheck: exact wins over prefix when both are written.
    if (sm.exact !== undefined) out.push({ on: 'header', name, kind: 'exact', value: sm.exact });
    else if (sm.prefix !== undefined)
      out.push({ on: 'header', name, kind: 'prefix', value: sm.prefix });
  }
  return out;
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
  conditions: readonly Pin[];
}

interface BuildNode {
  own: Entry[];
  children: Map<string, BuildNode>;
}

export function buildPathIndex(entriesPerRoute: readonly (readonly MatchEntry[])[]): PathIndex {
  const root: BuildNode = { own: [], children: new Map() };
  entriesPerRoute.forEach((entries, route) => {
    for (const { key, pins, conditions } of entries) {
      let node = root;
      if (key !== '/') {
        for (const segment of key.slice(1, -1).split('/')) {
          let child = node.children.get(segment);
          if (!child) node.children.set(segment, (child = { own: [], children: new Map() }));
          node = child;
        }
      }
      node.own.push({ route, pins, conditions: conditions ?? [] });
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
  const dispatch = buildDispatch(candidates, visible);
  const groups = dispatch ? undefined : buildGroups(visible);
  return { candidates, children, dispatch, groups };
}

// A request merges one list per group, so a few groups at most.
const MAX_GROUPS = 4;
const MAX_PREFIX_LENGTHS = 16;

/**
 * Greedy: the condition most remaining matches pin becomes a group, until fewer than
 * DISPATCH_MIN_ROUTES matches share one. A match joins one group only: the request can pass that
 * condition only with the value the group files it under, so the others need not be consulted.
 */
function buildGroups(visible: readonly Entry[]): MatchGroups | undefined {
  let remaining = visible;
  const groups: MatchGroup[] = [];
  while (groups.length < MAX_GROUPS) {
    const counts = new Map<string, number>();
    for (const e of remaining) {
      // Count a condition once per match even if it is written twice in different case.
      for (const id of new Set(e.conditions.map(conditionId))) {
        counts.set(id, (counts.get(id) ?? 0) + 1);
      }
    }
    let bestId: string | undefined;
    let best = 0;
    for (const [id, n] of counts) {
      if (n > best) [bestId, best] = [id, n];
    }
    if (bestId === undefined || best < DISPATCH_MIN_ROUTES) break;
    const owned: { route: number; pin: Pin }[] = [];
    const left: Entry[] = [];
    for (const e of remaining) {
      const pin = e.conditions.find((c) => conditionId(c) === bestId);
      if (pin) owned.push({ route: e.route, pin });
      else left.push(e);
    }
    const group = makeGroup(owned);
    if (!group) break;
    groups.push(group);
    remaining = left;
  }
  if (groups.length === 0) return undefined;
  const rest = [...new Set(remaining.map((e) => e.route))].sort((a, b) => a - b);
  return { groups, rest };
}

function conditionId(p: Pin): string {
  return `${p.on}\u0000${p.kind}\u0000${p.name}`;
}

function makeGroup(owned: readonly { route: number; pin: Pin }[]): MatchGroup | undefined {
  const first = owned[0]!.pin;
  const byValue = new Map<string, number[]>();
  for (const { route, pin } of owned) {
    const list = byValue.get(pin.value);
    if (!list) byValue.set(pin.value, [route]);
    else if (!list.includes(route)) list.push(route);
  }
  // Visible entries come ancestors first, so a list is not ascending until sorted.
  for (const list of byValue.values()) list.sort((a, b) => a - b);
  const table = Object.create(null) as Record<string, readonly number[]>;
  if (first.kind === 'exact') {
    for (const [value, list] of byValue) table[value] = list;
    return { kind: 'exact', on: first.on, name: first.name, byValue: table };
  }
  const lengths = [...new Set([...byValue.keys()].map((p) => p.length))].sort((a, b) => b - a);
  // Each request tries every length at worst; past this many a linear scan is no slower.
  if (lengths.length > MAX_PREFIX_LENGTHS) return undefined;
  // Each prefix's list also holds the routes of every shorter prefix of it, so one lookup (the
  // longest prefix of the request's value) answers.
  let total = 0;
  for (const [p, own] of byValue) {
    let list: readonly number[] = own;
    for (const n of lengths) {
      const shorter = n < p.length ? byValue.get(p.slice(0, n)) : undefined;
      if (shorter) list = mergeAscending(list, shorter);
    }
    total += list.length;
    if (total > DISPATCH_MAX_ENTRIES) return undefined;
    table[p] = list;
  }
  return { kind: 'prefix', on: first.on, name: first.name, byPrefix: table, lengths };
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
