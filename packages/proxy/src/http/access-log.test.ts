import {
  accessLogEntry,
  accessLogLine,
  createJsonAccessLog,
  isoTime,
  jsonString,
  safeLog,
} from './access-log.js';
import { createStreamInfo } from './stream-info.js';

describe('access log', () => {
  it('writes one JSON line per request with Istio field names and Envoy flag order', () => {
    const info = createStreamInfo('outbound');
    Object.assign(info, {
      method: 'GET',
      authority: 'reviews:9080',
      path: '/r',
      status: 503,
      requestId: 'id-1',
      upstreamCluster: 'outbound|9080||reviews.default.svc.cluster.local',
      upstreamHost: '127.0.0.1:1',
      attempts: 3,
      bytesSent: 12,
      details: 'upstream connect error',
      generation: 4,
      // Not sampled: the trace id is still logged, so a log line finds the trace of a sampled peer.
      span: {
        traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
        spanId: '00f067aa0ba902b7',
        sampled: false,
      },
    });
    info.flags.add('URX');
    info.flags.add('UF');
    const lines: string[] = [];
    createJsonAccessLog((l) => lines.push(l))(accessLogEntry(info, info.startedAt + 12.4));
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain('\n');
    expect(JSON.parse(lines[0]!)).toEqual({
      start_time: new Date(info.startTime).toISOString(),
      direction: 'outbound',
      method: 'GET',
      authority: 'reviews:9080',
      path: '/r',
      protocol: 'HTTP/1.1',
      response_code: 503,
      response_flags: 'UF,URX',
      response_code_details: 'upstream connect error',
      upstream_host: '127.0.0.1:1',
      upstream_cluster: 'outbound|9080||reviews.default.svc.cluster.local',
      duration: 12,
      bytes_received: 0,
      bytes_sent: 12,
      request_id: 'id-1',
      attempts: 3,
      route_name: null,
      downstream_remote_address: null,
      config_generation: 4,
      trace_id: '4bf92f3577b34da6a3ce929d0e0e4736',
      upstream_service_time: null,
    });
  });

  it('prints - for no flags and survives a throwing sink', () => {
    const info = createStreamInfo('inbound');
    expect(accessLogEntry(info).response_flags).toBe('-');
    expect(() =>
      safeLog(() => {
        throw new Error('disk full');
      }, info),
    ).not.toThrow();
  });

  it('writes the line field by field exactly as JSON.stringify writes the entry', () => {
    const bare = createStreamInfo('inbound');
    const full = createStreamInfo('outbound');
    Object.assign(full, {
      method: 'POST',
      authority: 'rev"iews:9080',
      path: '/a\\b?q="x"\u0001é',
      protocol: 'HTTP/2',
      status: 503,
      details: '',
      requestId: 'id',
      upstreamCluster: 'outbound|9080||reviews.default.svc.cluster.local',
      upstreamHost: '',
      routeName: 'r',
      downstreamAddress: '::1',
      attempts: 2,
      bytesReceived: 10,
      bytesSent: 20,
      generation: 0,
      upstreamResponseAt: full.startedAt + 3.6,
      span: {
        traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
        spanId: '00f067aa0ba902b7',
        sampled: true,
      },
    });
    full.flags.add('UO');
    full.flags.add('UH');
    for (const info of [bare, full]) {
      const now = info.startedAt + 7.2;
      expect(accessLogLine(info, now)).toBe(JSON.stringify(accessLogEntry(info, now)));
    }
  });

  it('formats times as toISOString does, across seconds, backwards and with fractions', () => {
    const start = Date.UTC(2026, 10, 26, 23, 59, 58, 990);
    const times: number[] = [0, 9, 10, 99, 100, 999, 1000, Date.UTC(9999, 11, 31, 23, 59, 59, 999)];
    for (let ms = start; ms < start + 2100; ms += 7) times.push(ms, ms - 1000, ms + 0.6);
    for (const ms of times) expect(isoTime(ms)).toBe(new Date(Math.floor(ms)).toISOString());
  });

  it('escapes strings exactly as JSON.stringify does', () => {
    const samples = [
      '',
      'reviews.default.svc.cluster.local:9080',
      '/p?q=1&r=%22',
      'say "hi"',
      'back\\slash',
      'tab\tnew\nline\u0000\u001f',
      'del\u007f',
      'é ünïcödé 漢字',
      'pair \ud83d\ude00',
      'lone \ud83d',
      'lone \ude00 low',
      '\u2028\u2029',
    ];
    for (let c = 0; c < 0x10000; c += 0x3f) samples.push(`x${String.fromCharCode(c)}y`);
    for (const v of samples) expect(jsonString(v)).toBe(JSON.stringify(v));
  });
});
