import { TYPE_URLS, type DiscoveryResponse } from '@mesh/proto';
import { applyResponse } from './apply-response.js';
import { emptyTypeState } from './compile-table.js';
import type { TypeState } from './types.js';

type Body = { name: string; n: number };

function response(
  versionInfo: string,
  resources: [name: string, version: string, n: number][],
  extra: Partial<DiscoveryResponse<Body>> = {},
): DiscoveryResponse<Body> {
  return {
    typeUrl: TYPE_URLS.clusters,
    versionInfo,
    nonce: `nonce-${versionInfo}`,
    resources: resources.map(([name, version, n]) => ({ name, version, body: { name, n } })),
    removedResources: [],
    incremental: false,
    ...extra,
  };
}

function summary(state: TypeState<Body>): Record<string, number> {
  return Object.fromEntries([...state.resources].map(([name, e]) => [name, e.body.n]));
}

describe('applyResponse', () => {
  const start = applyResponse(
    emptyTypeState<Body>(),
    response('1', [
      ['a', 'ha', 1],
      ['b', 'hb', 2],
    ]),
  );

  it('takes a state-of-the-world response as the complete set', () => {
    expect(start.version).toBe('1');
    expect(summary(start)).toEqual({ a: 1, b: 2 });

    const next = applyResponse(
      start,
      response('2', [
        ['b', 'hb2', 20],
        ['c', 'hc', 3],
      ]),
    );
    expect(next.version).toBe('2');
    expect(summary(next)).toEqual({ b: 20, c: 3 });
  });

  it('upserts the resources of an incremental response and drops the removed ones', () => {
    const next = applyResponse(
      start,
      response(
        '2',
        [
          ['b', 'hb2', 20],
          ['c', 'hc', 3],
        ],
        { incremental: true, removedResources: ['a', 'never-held'] },
      ),
    );
    expect(next.version).toBe('2');
    expect(summary(next)).toEqual({ b: 20, c: 3 });
  });

  it('keeps every resource an incremental response does not mention', () => {
    const next = applyResponse(start, response('2', [], { incremental: true }));
    expect(summary(next)).toEqual({ a: 1, b: 2 });
    expect(next.version).toBe('2');
  });

  it('never mutates the state it was given', () => {
    applyResponse(
      start,
      response('2', [['z', 'hz', 9]], { incremental: true, removedResources: ['a'] }),
    );
    applyResponse(start, response('3', []));
    expect(start.version).toBe('1');
    expect(summary(start)).toEqual({ a: 1, b: 2 });
  });

  it('keeps the held entry of a resource whose version did not change', () => {
    const next = applyResponse(
      start,
      response('2', [
        ['a', 'ha', 1],
        ['b', 'hb2', 20],
      ]),
    );
    expect(next.resources.get('a')).toBe(start.resources.get('a'));
    expect(next.resources.get('b')).not.toBe(start.resources.get('b'));
  });
});
