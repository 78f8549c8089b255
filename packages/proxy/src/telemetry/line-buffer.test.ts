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

  it('never splits or drops a line, whatever mix of 1- to 4-byte characters fills the buffer', () => {
    const { chunks, write } = collect();
    const buffer = createLineBuffer(write, { maxBytes: 64, maxDelayMs: 60_000 });
    const alphabet = ['a', 'é', '漢', '😀'];
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
    const lines: string[] = [];
    for (let i = 0; i < 500; i++) {
      let line = '';
      for (let n = next() % 30; n > 0; n--) line += alphabet[next() % 4];
      lines.push(line);
      buffer.push(line);
    }
    buffer.flush();
    expect(chunks.join('')).toBe(lines.map((l) => `${l}\n`).join(''));
    for (const c of chunks) {
      // Only a line longer than the buffer goes out alone and larger.
      if (Buffer.byteLength(c) > 64) expect(c.indexOf('\n')).toBe(c.length - 1);
    }
  });

  it('append() writes into the batch in place, after flushing what would not leave it room', () => {
    const { chunks, write } = collect();
    const buffer = createLineBuffer(write, { maxBytes: 16, maxDelayMs: 60_000 });
    const line = (text: string) => (buf: Buffer, at: number) => at + buf.write(`${text}\n`, at);
    expect(buffer.append(6, line('abc'))).toBe(true);
    buffer.push('de');
    expect(chunks).toEqual([]);
    // 7 queued, 9 free: room enough for a bound of 9, not of 10.
    expect(buffer.append(9, line('fgh'))).toBe(true);
    expect(chunks).toEqual([]);
    expect(buffer.append(10, line('ij'))).toBe(true);
    expect(chunks).toEqual(['abc\nde\nfgh\n']);
    buffer.flush();
    expect(chunks).toEqual(['abc\nde\nfgh\n', 'ij\n']);
  });

  it('append() refuses a bound larger than the whole buffer, queuing nothing', () => {
    const { chunks, write } = collect();
    const buffer = createLineBuffer(write, { maxBytes: 16, maxDelayMs: 60_000 });
    buffer.push('a');
    expect(buffer.append(17, () => 0)).toBe(false);
    buffer.flush();
    expect(chunks).toEqual(['a\n']);
  });
});
