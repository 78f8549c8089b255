import { meshChannels, type TcpConnectionEvent } from '@mesh/telemetry/events';
import type { ProxyTable } from '../config/types.js';
import { tcpLogEntry } from '../tcp/tcp-proxy.js';
import { createTcpReporter } from './tcp-events.js';

const self = Object.freeze({
  workload: 'tcp-echo-v1',
  namespace: 'default',
  app: 'tcp-echo',
  version: 'v1',
});
const table = { clusters: new Map() } as unknown as ProxyTable;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('TCP reporter', () => {
  let events: TcpConnectionEvent[];
  const listen = (e: unknown) => events.push(e as TcpConnectionEvent);
  beforeEach(() => {
    events = [];
    meshChannels.tcp.subscribe(listen);
  });
  afterEach(() => meshChannels.tcp.unsubscribe(listen));

  const inboundEntry = () => {
    const entry = tcpLogEntry(Date.now(), 'inbound', '127.0.0.1:9000');
    entry.upstream_cluster = 'inbound|9000||';
    entry.upstream_host = '127.0.0.1:9000';
    return entry;
  };
  const brief = (e: TcpConnectionEvent) => [e.kind, e.receivedBytes, e.sentBytes];

  it('reports opened at once, bytes as deltas while open, and the rest at close', async () => {
    const reporter = createTcpReporter(self, () => table, 30);
    const entry = inboundEntry();
    reporter.opened(entry);
    expect(events.map(brief)).toEqual([['opened', 0, 0]]);
    entry.bytes_received = 100;
    entry.bytes_sent = 40;
    await sleep(80);
    // One report with the bytes so far; later ticks with nothing new report nothing.
    expect(events.map(brief)).toEqual([
      ['opened', 0, 0],
      ['bytes', 100, 40],
    ]);
    entry.bytes_received = 150;
    await sleep(60);
    entry.bytes_sent = 45;
    reporter.closed(entry);
    expect(events.map(brief)).toEqual([
      ['opened', 0, 0],
      ['bytes', 100, 40],
      ['bytes', 50, 0],
      ['closed', 0, 5],
    ]);
    // Every event of the connection carries the same labels, so its counts share one series.
    const labels = events.map(({ kind: _k, sentBytes: _s, receivedBytes: _r, ...rest }) => rest);
    for (const l of labels) expect(l).toEqual(labels[0]);
    expect(labels[0]).toMatchObject({
      reporter: 'destination',
      responseFlags: '-',
      connectionSecurityPolicy: 'none',
      destination: { workload: 'tcp-echo-v1', namespace: 'default' },
    });
    // Nothing open: the timer is gone, so no more events.
    await sleep(80);
    expect(events).toHaveLength(4);
    reporter.stop();
  });

  it('counts a connection that never reached an upstream as opened and closed when it ends', () => {
    const reporter = createTcpReporter(self, () => table, 30);
    const entry = tcpLogEntry(Date.now(), 'outbound', 'tcp-echo:9000');
    entry.upstream_cluster = 'outbound|9000||tcp-echo.default.svc.cluster.local';
    entry.response_flags = 'UF';
    entry.bytes_received = 7;
    reporter.closed(entry);
    expect(events.map(brief)).toEqual([
      ['opened', 0, 0],
      ['closed', 7, 0],
    ]);
    expect(events[1]).toMatchObject({
      reporter: 'source',
      responseFlags: 'UF',
      destination: { service: 'tcp-echo.default.svc.cluster.local', app: 'unknown' },
    });
    reporter.stop();
  });

  it('tracks nothing without a subscriber, and nothing for tunnels served at L7', async () => {
    const reporter = createTcpReporter(self, () => table, 20);
    meshChannels.tcp.unsubscribe(listen);
    const early = inboundEntry();
    reporter.opened(early);
    meshChannels.tcp.subscribe(listen);
    early.bytes_received = 10;
    await sleep(60);
    expect(events).toEqual([]);
    // Subscribed by the time it ends: its totals, at once.
    reporter.closed(early);
    expect(events.map(brief)).toEqual([
      ['opened', 0, 0],
      ['closed', 10, 0],
    ]);
    const l7 = inboundEntry();
    l7.protocol = 'h2c';
    reporter.opened(l7);
    reporter.closed(l7);
    expect(events).toHaveLength(2);
    reporter.stop();
  });
});
