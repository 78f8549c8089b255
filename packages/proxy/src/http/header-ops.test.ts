import type { RouteHeaderOps } from '@mesh/rules';
import { headerOpsLayer } from './header-ops.js';
import { localReply } from './local-reply.js';
import { response, scripted, testContext } from './test-support/context.js';

const none = { set: {}, add: [], remove: [] };

describe('headerOpsLayer', () => {
  it('is absent when there is nothing to do', () => {
    expect(headerOpsLayer({ request: none, response: none })).toBeUndefined();
  });

  it('removes, then sets, then adds on the request, as Envoy orders them', async () => {
    const ops: RouteHeaderOps = {
      request: {
        set: { 'X-A': 'set' },
        add: [
          ['x-a', 'added'],
          ['x-b', 'b'],
        ],
        remove: ['x-a', 'x-c'],
      },
      response: none,
    };
    const next = scripted(() => response(200));
    await headerOpsLayer(ops)!(next)(
      testContext({ headers: { 'x-a': 'client', 'x-c': 'gone', 'x-d': 'kept' } }),
    );
    expect({ ...next.calls[0]!.headers }).toEqual({
      'x-a': ['set', 'added'],
      'x-b': 'b',
      'x-d': 'kept',
    });
  });

  it('applies response operations to upstream responses and to local replies alike', async () => {
    const ops: RouteHeaderOps = {
      request: none,
      response: { set: { 'x-served-by': 'mesh' }, add: [], remove: ['server'] },
    };
    const upstream = await headerOpsLayer(ops)!(scripted(() => response(200, { server: 'app' })))(
      testContext(),
    );
    expect({ ...upstream.headers }).toEqual({ 'x-served-by': 'mesh' });
    const local = await headerOpsLayer(ops)!(scripted(() => localReply(503, 'UH', 'none')))(
      testContext(),
    );
    expect(local.headers['x-served-by']).toBe('mesh');
    expect(local.local?.flag).toBe('UH');
  });
});
