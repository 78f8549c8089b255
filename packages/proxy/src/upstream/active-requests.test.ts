import { ActiveRequests } from './active-requests.js';

describe('ActiveRequests', () => {
  it('counts per endpoint and forgets endpoints that go idle', () => {
    const active = new ActiveRequests();
    active.acquire('a:1');
    active.acquire('a:1');
    active.acquire('b:1');
    expect(active.of({ id: 'a:1' })).toBe(2);
    active.release('a:1');
    active.release('a:1');
    active.release('a:1');
    expect(active.get('a:1')).toBe(0);
    expect(active.get('b:1')).toBe(1);
  });
});
