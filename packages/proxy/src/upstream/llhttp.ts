// Node's bundled llhttp, the response parser node:http's own client uses, reached through the
// `_http_common` module. It is strict by default (no lenient flags), which is what keeps a
// malformed or ambiguous upstream response (CL+TE, bare LF, data after `Connection: close`) from
// being read two ways. `_http_common` is an internal module with no typings and no stability
// promise, so everything the pool relies on is checked once, at load, and the pool only sees the
// typed surface below.
//
// createRequire with an absolute path works both in the tsc-built ESM (run by node) and under
// jest, where swc compiles to CommonJS and `import.meta` does not exist. A builtin resolves
// without touching the file system, so any absolute path will do; the node binary's is always
// valid (process.cwd() can throw when the directory was removed).
import { createRequire } from 'node:module';

/** An llhttp parse error as Node's binding returns it from execute() and finish(). */
export interface LlhttpError extends Error {
  /** `HPE_*`, e.g. HPE_INVALID_STATUS. */
  readonly code: string;
  /** llhttp's own words, e.g. `Invalid status code`. */
  readonly reason?: string;
  readonly bytesParsed: number;
}

/** What the pool's connection implements; `rawHeaders` are [name, value, name, value, ...]. */
export interface ResponseParserHandler {
  /** The first byte of a response. */
  onMessageBegin(): void;
  /** Header pairs flushed before the headers are complete (more than 32 of them). */
  onHeaders(rawHeaders: string[]): void;
  /**
   * `rawHeaders` is undefined when every pair already went through onHeaders. Return 1 when the
   * response has no body whatever its framing says (the answer to HEAD, a 1xx), else 0.
   */
  onHeadersComplete(
    statusCode: number,
    rawHeaders: string[] | undefined,
    upgrade: boolean,
    shouldKeepAlive: boolean,
  ): number;
  /** A copy made by the binding: safe to keep past the call. */
  onBody(chunk: Buffer): void;
  onMessageComplete(): void;
}

export interface ResponseParser {
  /** Bytes parsed, or the parse error. Callbacks run synchronously inside. */
  execute(chunk: Buffer): number | LlhttpError;
  /** At EOF: completes a close-delimited body, or reports a cut-short one. */
  finish(): LlhttpError | undefined;
  /** Frees the native parser; never call it from inside one of its callbacks. */
  close(): void;
}

interface HttpParserBinding {
  new (): NativeParser;
  readonly RESPONSE: number;
  readonly kOnMessageBegin: number;
  readonly kOnHeaders: number;
  readonly kOnHeadersComplete: number;
  readonly kOnBody: number;
  readonly kOnMessageComplete: number;
  readonly kOnExecute: number;
}

interface NativeParser extends ResponseParser {
  initialize(type: number, resource: object, maxHeaderSize: number, lenientFlags: number): void;
  [slot: number]: unknown;
}

const REQUIRED_CONSTANTS = [
  'RESPONSE',
  'kOnMessageBegin',
  'kOnHeaders',
  'kOnHeadersComplete',
  'kOnBody',
  'kOnMessageComplete',
  'kOnExecute',
] as const;
const REQUIRED_METHODS = ['initialize', 'execute', 'finish', 'close'] as const;

const HTTPParser = loadBinding();

/** A parser for the responses on one connection; llhttp resets itself between messages. */
export function createResponseParser(handler: ResponseParserHandler): ResponseParser {
  const parser = new HTTPParser();
  // 0: Node's --max-http-header-size (16 KiB by default); 0: no lenient flags.
  parser.initialize(HTTPParser.RESPONSE, {}, 0, 0);
  parser[HTTPParser.kOnMessageBegin] = () => handler.onMessageBegin();
  parser[HTTPParser.kOnHeaders] = (rawHeaders: string[]) => handler.onHeaders(rawHeaders);
  parser[HTTPParser.kOnHeadersComplete] = (
    _versionMajor: number,
    _versionMinor: number,
    rawHeaders: string[] | undefined,
    _method: unknown,
    _url: unknown,
    statusCode: number,
    _statusMessage: string,
    upgrade: boolean,
    shouldKeepAlive: boolean,
  ) => handler.onHeadersComplete(statusCode, rawHeaders, upgrade, shouldKeepAlive);
  parser[HTTPParser.kOnBody] = (chunk: Buffer) => handler.onBody(chunk);
  parser[HTTPParser.kOnMessageComplete] = () => handler.onMessageComplete();
  return parser;
}

function loadBinding(): HttpParserBinding {
  let candidate: unknown;
  try {
    candidate = (createRequire(process.execPath)('_http_common') as { HTTPParser?: unknown })
      .HTTPParser;
  } catch (err) {
    throw changedError(`require('_http_common') failed: ${String(err)}`);
  }
  if (typeof candidate !== 'function') throw changedError('it exports no HTTPParser class');
  const binding = candidate as unknown as Record<string, unknown> & {
    prototype: Record<string, unknown>;
  };
  const missing = [
    ...REQUIRED_CONSTANTS.filter((name) => typeof binding[name] !== 'number'),
    ...REQUIRED_METHODS.filter((name) => typeof binding.prototype[name] !== 'function'),
  ];
  if (missing.length > 0) throw changedError(`HTTPParser lacks ${missing.join(', ')}`);
  return candidate as HttpParserBinding;
}

function changedError(what: string): Error {
  return new Error(
    `Node ${process.version}'s internal HTTP parser (_http_common) is not what the upstream ` +
      `HTTP/1.1 pool was written for: ${what}. packages/proxy/src/upstream/llhttp.ts needs ` +
      'updating for this Node version.',
  );
}
