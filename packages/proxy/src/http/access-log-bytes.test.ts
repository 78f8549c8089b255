import { accessLogLine } from './access-log.js';
import { accessLogLineBound, writeAccessLogLine } from './access-log-bytes.js';
import { createStreamInfo, formatFlags, type StreamInfo } from './stream-info.js';

/** What the string path gives, as the bytes a log file gets. */
function expected(info: StreamInfo, now: number): Buffer {
  return Buffer.from(`${accessLogLine(info, now)}\n`, 'utf8');
}

/** The byte path's output, checked against its own bound. */
function written(info: StreamInfo, now: number): Buffer {
  const bound = accessLogLineBound(info, formatFlags(info.flags));
  // Garbage around the room, so a write outside it or a byte left unwritten shows.
  const buf = Buffer.alloc(bound + 64, 0xee);
  const end = writeAccessLogLine(buf, 32, info, now);
  expect(end - 32).toBeLessThanOrEqual(bound);
  expect(buf.subarray(0, 32).every((b) => b === 0xee)).toBe(true);
  expect(buf.subarray(end).every((b) => b === 0xee)).toBe(true);
  return buf.subarray(32, end);
}

function typical(): StreamInfo {
  const info = createStreamInfo('inbound');
  info.method = 'GET';
  info.authority = 'reviews:9080';
  info.path = '/reviews/0?x=1';
  info.requestId = 'b7f3c1d2-5e0a-4b8e-9c6d-2f1a3e4b5c6d';
  info.downstreamAddress = '127.0.0.1:54321';
  info.generation = 3;
  info.routeName = 'default';
  info.upstreamCluster = 'inbound|9080||';
  info.upstreamHost = '127.0.0.1:43205';
  info.status = 200;
  info.bytesSent = 1180;
  info.attempts = 1;
  info.upstreamResponseAt = info.startedAt + 0.4;
  info.span = {
    traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
    spanId: '00f067aa0ba902b7',
    sampled: false,
  };
  return info;
}

describe('writeAccessLogLine', () => {
  it('writes the same bytes as the string line, newline included', () => {
    const info = typical();
    const now = info.startedAt + 2.6;
    expect(written(info, now).toString('utf8')).toBe(expected(info, now).toString('utf8'));
  });

  it('writes nulls, flags, details and large numbers as the string line does', () => {
    const info = createStreamInfo('outbound');
    info.status = 503;
    info.flags.add('UO');
    info.flags.add('URX');
    info.details = 'upstream connect error';
    info.bytesReceived = 2 ** 40;
    info.bytesSent = 0;
    info.attempts = 3;
    const now = info.startedAt + 12_345.5;
    expect(written(info, now)).toEqual(expected(info, now));
  });

  it('escapes and encodes strings exactly as JSON.stringify and UTF-8 do', () => {
    const hard = [
      'quote " and backslash \\',
      'controls \b\f\n\r\t \u0000 \u0001 \u001f and DEL \u007f',
      'latin1 é ÿ, two-byte ß, three-byte 中 \u2028 \uffff',
      'a pair 😀 and lone surrogates \ud800 x \udfff and a reversed pair \udc00\ud800',
      'ends in a high surrogate \ud83d',
    ];
    for (const s of hard) {
      const info = typical();
      info.path = s;
      info.authority = s;
      info.details = s;
      info.routeName = s;
      const now = info.startedAt + 1;
      expect(written(info, now)).toEqual(expected(info, now));
    }
  });

  it('matches the string line for random strings and numbers', () => {
    // A seeded generator, so a failure names a case that can be run again.
    let seed = 0x2545f491;
    const rand = () => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) / 2 ** 32;
    };
    const alphabet = [
      'a',
      'Z',
      '9',
      '/',
      ' ',
      '"',
      '\\',
      '\n',
      '\u0003',
      'é',
      '中',
      '\ud83d',
      '\ude00',
      '😀',
    ];
    const randomString = () =>
      Array.from(
        { length: Math.floor(rand() * 12) },
        () => alphabet[Math.floor(rand() * alphabet.length)],
      ).join('');
    for (let i = 0; i < 2000; i++) {
      const info = createStreamInfo(rand() < 0.5 ? 'inbound' : 'outbound');
      info.method = randomString();
      info.authority = randomString();
      info.path = randomString();
      info.requestId = randomString();
      info.protocol = rand() < 0.5 ? 'HTTP/1.1' : randomString();
      if (rand() < 0.5) info.details = randomString();
      if (rand() < 0.5) info.upstreamHost = randomString();
      if (rand() < 0.5) info.upstreamCluster = randomString();
      if (rand() < 0.5) info.routeName = randomString();
      if (rand() < 0.5) info.downstreamAddress = randomString();
      if (rand() < 0.5) info.generation = Math.floor(rand() * 1e6);
      if (rand() < 0.5) info.upstreamResponseAt = info.startedAt + rand() * 5000;
      info.status = Math.floor(rand() * 600);
      info.bytesReceived = Math.floor(rand() * 2 ** 36);
      info.bytesSent = Math.floor(rand() * 10);
      info.attempts = Math.floor(rand() * 4);
      const now = info.startedAt + rand() * 100_000;
      const want = expected(info, now);
      const got = written(info, now);
      if (!got.equals(want)) throw new Error(`case ${i}: ${got.toString()} != ${want.toString()}`);
    }
  });
});
