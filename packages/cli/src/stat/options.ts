// What `meshctl stat` takes: kept apart from the command so the program registers it without
// loading the command itself.

/** `workload` rows are destination workloads; `service` rows are a service's versions. */
export type StatKind = 'workload' | 'service';

/** The KIND argument's words: the kinds, their plurals, and describe's short forms. */
export const STAT_KIND_WORDS: Readonly<Record<string, StatKind>> = {
  workload: 'workload',
  workloads: 'workload',
  wl: 'workload',
  service: 'service',
  services: 'service',
  svc: 'service',
};

export type StatOutput = 'table' | 'json' | 'yaml';
export const STAT_OUTPUTS: readonly StatOutput[] = ['table', 'json', 'yaml'];

/** How long each measurement lasts unless --window says otherwise. */
export const DEFAULT_WINDOW = '10s';
