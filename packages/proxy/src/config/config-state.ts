// The config a proxy runs: what it holds of each type and the table compiled from all four. A
// response is checked, applied and compiled on a candidate; only when all of that succeeds does
// the candidate replace the current table, so a bad response costs a NACK, never the routing.
import type { DiscoveryResponse, NackDetail, TypeUrl } from '@mesh/proto';
import { applyResponse } from './apply-response.js';
import { checkBodies } from './check-bodies.js';
import { ALL_TYPES, HELD_KEYS, TYPE_LABELS } from './type-names.js';
import { compileTable, emptyHeld, type CompileTableOptions } from './compile-table.js';
import type { ProxyTable, TypeState } from './types.js';

/** google.rpc.Code INTERNAL: the bodies passed their checks but the proxy still could not use them. */
export const INTERNAL = 13;

export type TableListener = (table: ProxyTable) => void;

export interface ConfigStateOptions {
  /** Where a throwing table listener is reported; it never reaches the discovery stream. */
  log?(line: string): void;
  /** The proxy's locality (Node.locality): balancers rank endpoints against it. */
  proxyLocality?: string;
  /** The proxy's labels (Node.labels): failoverPriority compares endpoints' with them. */
  proxyLabels?: Readonly<Record<string, string>>;
}

export class ConfigState {
  private table: ProxyTable;
  private readonly accepted = new Set<TypeUrl>();
  private readonly listeners = new Set<TableListener>();
  private readonly log: (line: string) => void;
  private readonly compileOptions: CompileTableOptions;

  constructor(options: ConfigStateOptions = {}) {
    this.log = options.log ?? (() => undefined);
    this.compileOptions = {
      proxyLocality: options.proxyLocality ?? '',
      proxyLabels: options.proxyLabels ?? {},
    };
    this.table = compileTable(emptyHeld(), 0, undefined, this.compileOptions);
  }

  /** The table to route new requests with; requests in flight keep the one they started on. */
  current(): ProxyTable {
    return this.table;
  }

  /** True once every type has been accepted: before that the proxy has no complete config. */
  get ready(): boolean {
    return this.accepted.size === ALL_TYPES.length;
  }

  readinessReason(): string {
    if (this.ready) return `config generation ${this.table.generation} applied`;
    const missing = ALL_TYPES.filter((t) => !this.accepted.has(t));
    return `no config accepted yet for ${missing.map((t) => TYPE_LABELS[t]).join(', ')}`;
  }

  /** Calls `listener` with every new table; returns the unsubscribe. */
  onTable(listener: TableListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Applies one response: undefined to ACK it, or why it was rejected to NACK it. */
  onResponse(res: DiscoveryResponse): NackDetail | undefined {
    const checked = checkBodies(res);
    if (!checked.ok) return checked.nack;
    const key = HELD_KEYS[res.typeUrl];
    const held = this.table.held;
    // The bodies were just checked against their type, which is what makes this cast honest.
    const state = applyResponse(held[key] as TypeState<unknown>, checked.response);
    let next: ProxyTable;
    try {
      next = compileTable(
        { ...held, [key]: state },
        this.table.generation + 1,
        this.table,
        this.compileOptions,
      );
    } catch (err) {
      return {
        code: INTERNAL,
        message: `${TYPE_LABELS[res.typeUrl]} version ${res.versionInfo}: cannot compile the config: ${(err as Error).message}`,
      };
    }
    this.table = next;
    this.accepted.add(res.typeUrl);
    for (const listener of [...this.listeners]) {
      try {
        listener(next);
      } catch (err) {
        this.log(
          `table listener failed on generation ${next.generation}: ${(err as Error).message}`,
        );
      }
    }
    return undefined;
  }
}
