import type { OutputFormat } from './report.js';

export interface CommonOptions {
  /** -f arguments: files, directories or `-` for standard input. */
  filenames: readonly string[];
  /** Namespace for resources that name none. */
  namespace?: string;
  output?: OutputFormat;
  /** Patterns for paths skipped while walking directories (see exclude.ts). */
  exclude?: readonly string[];
  /** Print the stack of an internal error. */
  debug?: boolean;
}

export type ValidateOptions = CommonOptions;

export interface AnalyzeOptions extends CommonOptions {
  /** Hosts that exist outside the given files; short names resolve in the default namespace. */
  knownHosts?: readonly string[];
}
