// What `meshctl get` shows of each kind, after Istio's own printer columns where it has them
// (VirtualService GATEWAYS/HOSTS, ServiceEntry HOSTS/LOCATION/RESOLUTION...). The control plane
// keeps no timestamps, so there is no AGE; RESOURCE VERSION is what a user needs instead.
import { joinCell, labelsCell, NONE } from './table.js';

export interface KindColumns {
  headers: readonly string[];
  cells(spec: Record<string, unknown>): string[];
}

const COLUMNS: Readonly<Record<string, KindColumns>> = {
  VirtualService: {
    headers: ['HOSTS', 'GATEWAYS'],
    cells: (spec) => [joinCell(strings(spec.hosts)), joinCell(strings(spec.gateways))],
  },
  DestinationRule: {
    headers: ['HOST', 'SUBSETS'],
    cells: (spec) => [
      text(spec.host),
      joinCell(records(spec.subsets).flatMap((s) => strings([s.name]))),
    ],
  },
  Gateway: {
    headers: ['SELECTOR', 'SERVERS'],
    cells: (spec) => [
      labelsCell(stringMap(spec.selector)),
      joinCell(
        records(spec.servers).map((server) => {
          const port = record(server.port);
          return `${String(port.number ?? '?')}/${String(port.protocol ?? '?')}`;
        }),
      ),
    ],
  },
  ServiceEntry: {
    headers: ['HOSTS', 'LOCATION', 'RESOLUTION'],
    // Istio's defaults (the enums' zero values), so the column says what actually happens.
    cells: (spec) => [
      joinCell(strings(spec.hosts)),
      text(spec.location, 'MESH_EXTERNAL'),
      text(spec.resolution, 'NONE'),
    ],
  },
  Sidecar: {
    headers: ['SELECTOR'],
    cells: (spec) => [labelsCell(stringMap(record(spec.workloadSelector).labels))],
  },
  WorkloadEntry: {
    headers: ['ADDRESS', 'LABELS'],
    cells: (spec) => [text(spec.address), labelsCell(stringMap(spec.labels))],
  },
};

const NO_COLUMNS: KindColumns = { headers: [], cells: () => [] };

/** The kind's own columns; none for a kind this build does not know. */
export function columnsFor(kind: string): KindColumns {
  return COLUMNS[kind] ?? NO_COLUMNS;
}

function text(value: unknown, fallback = NONE): string {
  return typeof value === 'string' && value !== '' ? value : fallback;
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

function records(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value) ? value.map(record) : [];
}

function stringMap(value: unknown): Record<string, string> {
  return Object.fromEntries(
    Object.entries(record(value)).filter((e): e is [string, string] => typeof e[1] === 'string'),
  );
}
