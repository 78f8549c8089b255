// One error type for every malformed wire message, so callers (a discovery stream, a config
// handler) can turn it into a NACK or INVALID_ARGUMENT with the field named.

/** What is wrong with the field. */
export type WireErrorReason = 'missing' | 'invalid' | 'unknown-type-url' | 'bad-body';

export class WireDecodeError extends Error {
  override readonly name = 'WireDecodeError';
  constructor(
    /** Message the field is in, e.g. `DiscoveryRequest`. */
    readonly messageType: string,
    /** Field path in camelCase as decoded, e.g. `node.id` or `resources[2].body`. */
    readonly field: string,
    readonly reason: WireErrorReason,
    detail: string,
  ) {
    super(`${messageType}.${field}: ${detail}`);
  }
}
