import { createLineBuffer } from './line-buffer.js';

describe('access-log line buffer', () => {
  const collect = () => {
    const chunks: string[] = [];
    // Chunks are views of a reused buffer: decode them during the call, as a sink must.
    return { chunks, write: (c: Buffer) => chunks.push(c.toString('utf8')) };
  };

  it('writes queued lines together once the delay has passed', async () => {
    const { chunks, write } = collect();
    const buffer = createLineBuffer(write, { maxDelayMs: 20 });
    buffer.push('a');
    buffer.push('é');
    expect(chunks).toEqual([]);
    await new Promise((r) => setTimeout(r, 60));
    expect(chunks).toEqual(['a\né\n']);
    buffer.push('c');
    await new Promise((r) => setTimeout(r, 60));
    expect(chunks).toEqual(['a\né\n', 'c\n']);
  });

  it('writes a full batch at once, before a line that would not fit, and flush() empties it', () => {
    const { chunks, write } = collect();
    const buffer = createLineBuffer(write, { maxBytes: 12, maxDelayMs: 60_000 });
    buffer.push('1234');
    buffer.push('5678');
    expect(chunks).toEqual([]);
    buffer.push('90'); // 13 bytes would not fit: the first two go first
    expect(chunks).toEqual(['1234\n5678\n']);
    buffer.push('abcdefgh'); // fills the buffer exactly (3 + 9 bytes)
    expect(chunks).toEqual(['1234\n5678\n', '90\nabcdefgh\n']);
    buffer.push('x');
    buffer.flush();
    buffer.flush();
    expect(chunks).toEqual(['1234\n5678\n', '90\nabcdefgh\n', 'x\n']);
  });

  it('sends a line longer than the buffer on its own, after what was queued', () => {
    const { chunks, write } = collect();
    const buffer = createLineBuffer(write, { maxBytes: 8, maxDelayMs: 60_000 });
    buffer.push('ab');
    buffer.push('0123456789');
    expect(chunks).toEqual(['ab\n', '0123456789\n']);
  });
});
