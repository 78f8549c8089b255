// In-flight requests per endpoint, for LEAST_REQUEST balancing. The balancers hold immutable
// endpoint snapshots, so the live counts sit here and reach them through activeRequestsOf. One
// counter per endpoint across clusters: a subset cluster and the whole-service cluster send to
// the same workload, and its load is the sum.
import type { LbEndpoint } from '@mesh/rules';

export class ActiveRequests {
  private readonly counts = new Map<string, number>();

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
}
