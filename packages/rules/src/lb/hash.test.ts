import { xxHash32 } from './hash.js';

describe('xxHash32', () => {
  it('matches the reference XXH32 test vectors (seed 0)', () => {
    expect(xxHash32('')).toBe(0x02cc5d05);
    expect(xxHash32('a')).toBe(0x550d7456);
    expect(xxHash32('abc')).toBe(0x32d153ff);
    // Longer than 16 bytes: exercises the four-lane stripe loop.
    expect(xxHash32('Nobody inspects the spammish repetition')).toBe(0xe2293b2f);
  });

  it('hashes strings as their UTF-8 bytes', () => {
    expect(xxHash32('é')).toBe(xxHash32(Uint8Array.from([0xc3, 0xa9])));
    expect(xxHash32('€')).toBe(xxHash32(Uint8Array.from([0xe2, 0x82, 0xac])));
    expect(xxHash32('😀')).toBe(xxHash32(Uint8Array.from([0xf0, 0x9f, 0x98, 0x80])));
    expect(xxHash32('\ud800')).toBe(xxHash32('\ufffd'));
  });

  it('depends on the seed and returns unsigned 32-bit values', () => {
    expect(xxHash32('abc', 1)).not.toBe(xxHash32('abc', 0));
    for (const s of ['x', 'host:80', 'a much longer key that spans several stripes']) {
      const h = xxHash32(s, 1);
      expect(Number.isInteger(h) && h >= 0 && h <= 0xffffffff).toBe(true);
    }
  });
});
