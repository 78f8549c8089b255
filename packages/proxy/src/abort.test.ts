import { anySignal, RequestSignal, type AbortEvent } from './abort.js';

describe('RequestSignal', () => {
  it('runs each listener once, in the order added, with the reason set', () => {
    const signal = new RequestSignal();
    const seen: string[] = [];
    signal.addEventListener('abort', () => seen.push(`fn:${String(signal.reason)}`));
    signal.addEventListener('abort', {
      handleEvent: (e: AbortEvent) => seen.push(`obj:${e.type}`),
    });
    signal.addEventListener('abort', () => seen.push('third'));
    expect(signal.aborted).toBe(false);
    signal.abort('why');
    signal.abort('again');
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBe('why');
    expect(seen).toEqual(['fn:why', 'obj:abort', 'third']);
  });

  it('adds a listener once however often it is added, and forgets removed ones', () => {
    const signal = new RequestSignal();
    let a = 0;
    let b = 0;
    const fa = () => a++;
    const fb = () => b++;
    signal.addEventListener('abort', fa);
    signal.addEventListener('abort', fa);
    signal.addEventListener('abort', fb);
    signal.addEventListener('abort', fb);
    signal.removeEventListener('abort', fa);
    signal.abort();
    expect([a, b]).toEqual([0, 1]);
  });

  it('removes a listener that is not the first one', () => {
    const signal = new RequestSignal();
    const calls: string[] = [];
    const second = () => calls.push('second');
    signal.addEventListener('abort', () => calls.push('first'));
    signal.addEventListener('abort', second);
    signal.addEventListener('abort', () => calls.push('third'));
    signal.removeEventListener('abort', second);
    signal.abort();
    expect(calls).toEqual(['first', 'third']);
  });

  it('gives an AbortError when aborted without a reason, as AbortController does', () => {
    const signal = new RequestSignal();
    signal.abort();
    expect(signal.reason).toBeInstanceOf(DOMException);
    expect((signal.reason as DOMException).name).toBe('AbortError');
  });

  it('does not call listeners added after the abort', () => {
    const signal = new RequestSignal();
    signal.abort(1);
    let called = false;
    signal.addEventListener('abort', () => (called = true));
    expect(called).toBe(false);
  });

  it('keeps calling the other listeners when one throws, and rethrows its error on the next tick', () => {
    const signal = new RequestSignal();
    let after = false;
    signal.addEventListener('abort', () => {
      throw new Error('listener bug');
    });
    signal.addEventListener('abort', () => (after = true));
    // Caught here, the rethrow would fail the test run as the uncaught exception it is.
    const deferred: (() => void)[] = [];
    const nextTick = jest.spyOn(process, 'nextTick').mockImplementation((fn) => {
      deferred.push(fn as () => void);
    });
    try {
      signal.abort();
    } finally {
      nextTick.mockRestore();
    }
    expect(after).toBe(true);
    expect(deferred).toHaveLength(1);
    expect(() => deferred[0]!()).toThrow('listener bug');
  });
});

describe('anySignal', () => {
  it('aborts with the reason of whichever aborts first, and unhooks from the other', () => {
    const a = new RequestSignal();
    const b = new RequestSignal();
    const both = anySignal(a, b);
    let fired = 0;
    both.addEventListener('abort', () => fired++);
    b.abort('b first');
    expect(both.aborted).toBe(true);
    expect(both.reason).toBe('b first');
    a.abort('a later');
    expect(both.reason).toBe('b first');
    expect(fired).toBe(1);
  });

  it('is aborted at once when either input already is', () => {
    const a = new RequestSignal();
    a.abort('early');
    expect(anySignal(a, new RequestSignal()).reason).toBe('early');
    expect(anySignal(new RequestSignal(), a).reason).toBe('early');
  });

  it("follows Node's own AbortSignal too", () => {
    const controller = new AbortController();
    const both = anySignal(controller.signal, new RequestSignal());
    controller.abort('native');
    expect(both.aborted).toBe(true);
    expect(both.reason).toBe('native');
  });
});
