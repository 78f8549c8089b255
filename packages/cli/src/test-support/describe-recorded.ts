// Recorded, not written by hand: the three debug pages `meshctl describe` reads (/debug/configz,
// /debug/registryz, /debug/syncz), captured with curl from a real mesh-control-plane on
// 2026-11-26, in a local mesh started with
//   MESH_HOME=/tmp/describe-mesh meshctl up --demo bookinfo --detach --ingress-port 0 ...
// (control plane, ingress gateway, curl client sidecar, and Bookinfo + httpbin + tcp-echo
// workloads, each with a real mesh-proxy sidecar, every proxy SYNCED).
//   demo-*.json   right after `up`: the demo's Gateway, the bookinfo VirtualService (gateway
//                 only) and the DestinationRules of samples/bookinfo/destination-rule-all.yaml
//                 and samples/tcp-echo/destination-rule-all.yaml; no sidecar VirtualService.
//   tasks-*.json  after `meshctl apply` of describe-recorded/tasks-applied.yaml (reviews: jason
//                 -> v2, /canary -> v4 which no workload has, else v1/v3 50/50 with timeout and
//                 retries; a DestinationRule with a traffic policy and a subset policy; a
//                 ServiceEntry; a namespace-wide Sidecar) and the sample tasks that file names.
// The control plane writes each page as JSON.stringify(value, null, 2) + "\n". Prettier has
// since re-wrapped the files, but the values are untouched: `pageText()` re-serializes them the
// control plane's way, which was checked to give back the captured bytes exactly. While these
// pages were current, `curl -x <client sidecar>` confirmed the routing they describe: reviews
// answered from v1 and v3 only, from v2 for end-user jason, and /canary got 503 UH.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildMesh, type Mesh } from '../describe-mesh.js';
import { decodeDebugPages, type DebugPage } from '../debug-pages.js';

export type Recording = 'demo' | 'tasks';

const DIR = join(__dirname, 'describe-recorded');

/** The page as the control plane served it (parsed). */
export function recordedPage(recording: Recording, page: DebugPage): unknown {
  return JSON.parse(readFileSync(join(DIR, `${recording}-${page}.json`), 'utf8')) as unknown;
}

/** The page's bytes as the control plane sent them. */
export function pageText(recording: Recording, page: DebugPage): string {
  return `${JSON.stringify(recordedPage(recording, page), null, 2)}\n`;
}

/** All three pages, parsed: what decodeDebugPages takes. */
export function recordedPages(recording: Recording): Record<DebugPage, unknown> {
  return {
    configz: recordedPage(recording, 'configz'),
    registryz: recordedPage(recording, 'registryz'),
    syncz: recordedPage(recording, 'syncz'),
  };
}

/** Parsed pages, changed by `change` (on a copy), decoded and built: a Mesh as describe sees it. */
export function recordedMesh(recording: Recording, change?: (pages: RecordedPages) => void): Mesh {
  const pages = structuredClone(recordedPages(recording)) as RecordedPages;
  change?.(pages);
  return buildMesh(decodeDebugPages(pages));
}

/** The pages with just enough type to change them in tests. */
export interface RecordedPages {
  configz: { resource: Record<string, unknown>; resourceVersion: string; createRevision: number }[];
  registryz: (Record<string, unknown> & {
    workloadName: string;
    proxyId: string;
    ready: boolean;
  })[];
  syncz: (Record<string, unknown> & {
    proxyId: string;
    types: { typeUrl: string; state: string; lastError: string }[];
  })[];
}
