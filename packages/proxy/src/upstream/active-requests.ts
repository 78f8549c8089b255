// The live upstream state of one proxy, shared by its listeners and kept across config tables
// (which are immutable and replaced wholesale): in-flight requests per endpoint for LEAST_REQUEST,
// and per cluster the circuit breakers and outlier detectors.
//
// In-flight counts: the balancers hold immutable endpoint snapshots, so the live counts sit here
// and reach them through activeRequestsOf. One counter per endpoint across clusters: a subset
// cluster and the whole-service cluster send to the same workload, and its load is the sum.
// Circuit breakers and outlier detectors are per cluster, as Envoy's are.
import type { LbEndpoint } from '@mesh/rules';
import { CircuitBreakers } from './circuit-breakers.js';
import { OutlierDetectors } from './outlier-detection.js';

export interface ActiveRequestsOptions {
  /** Clock for outlier detection (epoch ms); injected by tests. */
  readonly now?: () => number;
}

export class ActiveRequests {
  private readonly counts = new Map<string, number>();
  /** Per-cluster connectionPool limits (src/upstream/circuit-breakers.ts). */
  readonly breakers = new CircuitBreakers();
  /** Per-cluster outlierDetection (src/upstream/outlier-detection.ts). */
  readonly outliers: OutlierDetectors;
  readonly now: () => number;

  constructor(options: ActiveRequestsOptions = {}) {
    this.now = options.now ?? Date.now;
    this.outliers = new OutlierDetectors(this.now);
  }

  /** For LbPickContext.activeRequestsOf. */
  readonly of = (endpoint: LbEndpoint): number => this.counts.get(endpoint.id) ?? 0;

  get(id: string): number {
    return this.counts.get(id) ?? 0;
  }

  acquire(id: string): void {
    this.counts.set(id, (this.counts.get(id) ?? 0) + 1);
  }

  release(id: string): void {
    const n = (this.counts.get(id) ?? 0) - 1;
    // Deleting at zero keeps the map the size of the endpoints actually busy.
    if (n > 0) this.counts.set(id, n);
    else this.counts.delete(id);
  }

  /** Drops the per-cluster state of clusters that left the config (call on a table swap). */
  retainClusters(names: ReadonlySet<string>): void {
    this.breakers.retain(names);
    this.outliers.retain(names);
  }
}
