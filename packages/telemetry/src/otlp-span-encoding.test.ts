// The wire format checked by protobufjs's own reader, not by reading our writer back with itself.
import protobuf from 'protobufjs';
import { ProtoBuffer, varintSize } from './otlp-span-encoding.js';

function reader(w: ProtoBuffer): protobuf.Reader {
  return protobuf.Reader.create(Buffer.from(w.bytes()));
}

describe('ProtoBuffer', () => {
  it('writes varints at every length boundary, as protobuf reads them', () => {
    const values = [0, 1, 127, 128, 16_383, 16_384, 2 ** 21, 2 ** 32, Number.MAX_SAFE_INTEGER];
    const w = new ProtoBuffer(4);
    for (const v of values) w.varint(v);
    const r = reader(w);
    for (const v of values) expect(Number(r.uint64().toString())).toBe(v);
    expect(r.pos).toBe(r.len);
    for (const v of values) expect(varintSize(v)).toBe(Buffer.from(protobufVarint(v)).length);
  });

  it('writes negative int64 values as ten-byte two-complement varints', () => {
    const w = new ProtoBuffer();
    w.int64(-1);
    w.int64(-(2 ** 40));
    w.int64(2 ** 60);
    const r = reader(w);
    expect(r.int64().toString()).toBe('-1');
    expect(r.int64().toString()).toBe(String(-(2 ** 40)));
    expect(r.int64().toString()).toBe((2n ** 60n).toString());
    expect(w.bytes().subarray(0, 10)).toEqual(
      Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]),
    );
  });

  it('back-fills the length of a nested message of any size, moving its bytes when needed', () => {
    for (const size of [0, 1, 125, 126, 127, 300, 20_000, 3_000_000]) {
      const w = new ProtoBuffer(16);
      const outer = w.begin(7);
      w.tag(1, 2);
      w.string('x'.repeat(size));
      w.end(outer);
      w.tag(2, 0);
      w.varint(42);
      const r = reader(w);
      expect(r.uint32()).toBe((7 << 3) | 2);
      const inner = protobuf.Reader.create(r.bytes());
      expect(inner.uint32()).toBe((1 << 3) | 2);
      expect(inner.string()).toBe('x'.repeat(size));
      expect(inner.pos).toBe(inner.len);
      expect(r.uint32()).toBe(2 << 3);
      expect(r.uint32()).toBe(42);
    }
  });

  it('writes strings as UTF-8, ids as their bytes, times as exact fixed64 nanoseconds', () => {
    const w = new ProtoBuffer(8);
    w.string('grüße, 世界 🌍');
    w.hexBytes('4bf92f3577b34da6a3ce929d0e0e4736');
    w.fixed64Time([1_700_000_000, 123_500_000]);
    w.fixed32(0x301);
    w.double(0.25);
    const r = reader(w);
    expect(r.string()).toBe('grüße, 世界 🌍');
    expect(Buffer.from(r.bytes()).toString('hex')).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(BigInt(r.fixed64().toString())).toBe(1_700_000_000_123_500_000n);
    expect(r.fixed32()).toBe(0x301);
    expect(r.double()).toBe(0.25);
  });
});

function protobufVarint(v: number): Uint8Array {
  return protobuf.Writer.create().uint64(v).finish();
}
