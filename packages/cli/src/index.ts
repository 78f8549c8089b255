// meshctl as a library: every command runs without a process, against an injected CliIo.
export { runValidate } from './validate.js';
export { runAnalyze } from './analyze.js';
export { createProgram, runMeshctl, type ProgramResult } from './program.js';
export { nodeIo, type CliIo, type DirEntry, type EntryType } from './io.js';
export type { AnalyzeOptions, CommonOptions, ValidateOptions } from './options.js';
export type { OutputFormat } from './report.js';
export { EXIT_FINDINGS, EXIT_INTERNAL, EXIT_OK, EXIT_USAGE } from './guard.js';
export { VERSION } from './version.js';
