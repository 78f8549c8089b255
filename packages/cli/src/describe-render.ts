// `meshctl describe` as text for people: one fact per line, problems named at the end. Pure.
import { formatDuration, serviceNameLabel, type Labels } from '@mesh/rules';
import type { SyncSummary } from './describe-mesh.js';
import type {
  DescribedDestination,
  DescribedGateway,
  DescribedHttpRoute,
  DescribedL4Route,
  DescribedRouteIn,
  DescribedTraffic,
} from './describe-routes.js';
import type { DescribedVirtualService, ServiceDescription } from './describe-service.js';
import type { WorkloadDescription } from './describe-workload.js';
import {
  faultWords,
  labelWords,
  ownPolicyWords,
  percentWords,
  plural,
  retryWords,
  trafficPolicyWords,
  whenWords,
} from './describe-words.js';

const I = '  ';

export function renderService(d: ServiceDescription): string {
  const s = d.service;
  const lines: string[] = [`Service: ${s.host}`];
  if (s.origin.startsWith('ServiceEntry'))
    lines.push(
      `${I}Declared by: ${s.origin}${s.location ? `, ${s.location}` : ''}${s.resolution ? `, resolution ${s.resolution}` : ''}`,
    );
  lines.push(
    s.ports.length === 0
      ? `${I}Ports: none`
      : `${I}${s.ports.length === 1 ? 'Port' : 'Ports'}: ${s.ports.map(portWords).join(', ')}`,
  );
  if ((s.origin !== 'none' && !s.origin.startsWith('ServiceEntry')) || d.workloads.length > 0) {
    lines.push(
      `${I}Workloads: ${d.workloads.length}${d.workloads.length > 0 ? ` (${d.workloads.map((w) => w.name).join(', ')})` : ''}`,
    );
    lines.push(
      ...aligned(
        d.workloads.map((w) => [
          w.name,
          labelWords(withoutServiceLabel(w.labels)),
          w.endpoints.join(',') || 'no ports',
          `proxy ${w.proxyId}`,
          w.ready ? syncWords(w.sync) : `NOT READY, ${syncWords(w.sync)}`,
        ]),
      ).map((l) => `${I}${I}${l}`),
    );
  }
  if (d.otherEndpoints.length > 0) {
    lines.push(`${I}Endpoints: ${d.otherEndpoints.length}`);
    for (const e of d.otherEndpoints)
      lines.push(
        `${I}${I}${e.address}${e.ports.length ? `:${e.ports.join(',')}` : ''}  (${e.source})`,
      );
  }

  const dr = d.destinationRule;
  if (dr) {
    lines.push(
      `DestinationRule: ${dr.name} (${dr.namespace})${dr.mergedWith ? `, merged with ${dr.mergedWith.join(', ')}` : ''}`,
    );
    if (dr.subsets.length > 0)
      lines.push(
        `${I}Subsets: ${dr.subsets
          .map(
            (x) =>
              `${x.name} (${labelWords(x.labels)}: ${endpointWords(x.endpoints.length, x.endpoints.filter((e) => e.ready).length)})`,
          )
          .join(', ')}`,
      );
    lines.push(
      `${I}Traffic policy: ${dr.hasTrafficPolicy ? trafficPolicyWords(dr.trafficPolicy) : `none (${trafficPolicyWords(dr.trafficPolicy)})`}`,
    );
    for (const p of dr.portPolicies ?? [])
      lines.push(`${I}Port ${p.port}: ${trafficPolicyWords(p.trafficPolicy)}`);
    for (const x of dr.subsets)
      if (x.ownTrafficPolicy)
        lines.push(`${I}Subset ${x.name} sets: ${ownPolicyWords(x.ownTrafficPolicy)}`);
  } else {
    lines.push(`DestinationRule: none (load balancer LEAST_REQUEST, no subsets)`);
  }
  for (const o of d.otherDestinationRules)
    lines.push(`DestinationRule: ${o.name} (${o.namespace}), not used: ${o.note}`);

  if (d.virtualServices.length === 0) lines.push('VirtualService: none');
  for (const vs of d.virtualServices) lines.push(...virtualServiceLines(vs, s.host, s.namespace));

  const byScope = new Map<string, DescribedRouteIn[]>();
  for (const r of d.routesIn) byScope.set(r.scope, [...(byScope.get(r.scope) ?? []), r]);
  for (const gw of d.gateways) {
    lines.push(gatewayLine(gw));
    for (const r of byScope.get(`${gw.namespace}/${gw.name}`) ?? [])
      lines.push(`${I}${routeInWords(r, s.host, s.namespace)}`);
  }
  for (const r of byScope.get('mesh') ?? [])
    lines.push(`Also routed here by ${routeInWords(r, s.host, s.namespace)}`);

  if (!s.origin.startsWith('ServiceEntry'))
    for (const se of d.serviceEntries)
      lines.push(
        `ServiceEntry: ${se.name} (${se.namespace})  hosts ${se.hosts.join(', ')}${se.location ? `  ${se.location}` : ''}${se.ports.length ? `  ${se.ports.join(', ')}` : ''}`,
      );
  for (const sc of d.sidecars)
    lines.push(
      `Sidecar: ${sc.name} (${sc.namespace}) for ${sc.appliesTo}: ${
        sc.egressHosts.length === 0 ? 'imports everything' : `egress ${sc.egressHosts.join(', ')}`
      }; ${sc.importsService ? 'imports this service' : 'does NOT import this service'}`,
    );

  for (const t of d.traffic) lines.push(trafficLine(t, d.traffic.length > 1, s.host, s.namespace));
  lines.push(...problemLines(d.problems));
  return `${lines.join('\n')}\n`;
}

export function renderWorkload(d: WorkloadDescription): string {
  const w = d.workload;
  const lines: string[] = [`Workload: ${w.name} (${w.namespace})`];
  lines.push(`${I}Labels: ${labelWords(w.labels)}`);
  lines.push(
    w.ports.length === 0
      ? `${I}Ports: none${d.gateways.length > 0 ? ' registered (it serves the ports of its Gateways, below)' : ' (it only calls other services)'}`
      : `${I}${w.ports.length === 1 ? 'Port' : 'Ports'}: ${w.ports
          .map(
            (p) =>
              `${p.name ? `${p.name} ` : ''}${p.number}` +
              `${p.protocol ? `/${p.protocol}` : ''}` +
              ` (app port ${p.targetPort || p.number}, mesh endpoint ${w.addresses[0] ?? '127.0.0.1'}:${p.endpointPort || p.number})`,
          )
          .join(', ')}`,
  );
  for (const p of d.proxies)
    lines.push(
      `${I}Proxy: ${p.proxyId}  ${p.ready ? 'ready' : 'NOT READY'}  ${syncWords(p.sync)}${
        p.controlPlane ? `  (control plane ${p.controlPlane})` : ''
      }`,
    );
  for (const svc of d.services) {
    if (svc.ports.length === 0) {
      lines.push(`Service: ${svc.host} (${svc.via}): no ports, so nothing routes to it`);
      continue;
    }
    lines.push(`Service: ${svc.host} (${svc.via}; ${endpointWords(svc.endpoints, svc.endpoints)})`);
    for (const s of d.subsets.filter((x) => x.host === svc.host))
      lines.push(
        `${I}DestinationRule ${s.destinationRule.name} (${s.destinationRule.namespace}): subset ${s.subset} (${labelWords(s.labels)}) selects it` +
          (s.ownTrafficPolicy ? `; the subset sets: ${ownPolicyWords(s.ownTrafficPolicy)}` : ''),
      );
    const routes = d.routes.filter((r) => r.destinations.some((x) => x.host === svc.host));
    if (routes.length === 0) lines.push(`${I}No VirtualService route sends traffic to it`);
    for (const r of routes)
      lines.push(
        `${I}${r.scope === 'mesh' ? '' : `Gateway ${r.scope} via `}${routeInWords(r, svc.host, svc.namespace)}`,
      );
    const traffic = d.traffic.filter((x) => x.host === svc.host);
    for (const t of traffic) {
      const port = traffic.length > 1 ? `, port ${t.port}` : '';
      const here = t.via.map(
        (v) =>
          `${percentWords(v.percent)} to ${v.subset !== undefined ? `subset ${v.subset}` : 'the service'}, ` +
          (v.endpoints === 0
            ? 'which has no ready endpoint'
            : v.endpoints === 1
              ? 'served by it alone'
              : `shared by ${v.endpoints} ready endpoints`),
      );
      const words =
        t.percent > 0
          ? [...here, ...t.elsewhere].join('; ')
          : `none reaches it (${t.elsewhere.join(', ') || 'nowhere'})`;
      lines.push(
        `${I}Traffic from a sidecar in ${svc.namespace} now${port} (${t.request}): ${words}`,
      );
    }
  }
  for (const gw of d.gateways) {
    lines.push(`Gateway proxy for: ${gatewayLine(gw, false).slice('Gateway: '.length)}`);
    for (const vs of gw.virtualServices)
      lines.push(`${I}VirtualService ${vs.name} (${vs.namespace}) hosts ${vs.hosts.join(', ')}`);
  }
  if (d.sidecar)
    lines.push(
      `Sidecar: ${d.sidecar.name} (${d.sidecar.namespace}): ${
        d.sidecar.egressHosts.length === 0
          ? 'imports everything'
          : `egress ${d.sidecar.egressHosts.join(', ')}`
      }`,
    );
  lines.push(...problemLines(d.problems));
  return `${lines.join('\n')}\n`;
}

function virtualServiceLines(
  vs: DescribedVirtualService,
  host: string,
  namespace: string,
): string[] {
  const lines = [
    `VirtualService: ${vs.name} (${vs.namespace})${vs.usedBySidecars ? '' : `, not used by sidecars in ${namespace}: ${vs.note ?? ''}`}`,
  ];
  for (const r of vs.http) lines.push(...httpRouteLines(r, host, namespace));
  for (const r of [...vs.tcp, ...vs.tls]) lines.push(l4RouteLine(r, host, namespace));
  if (vs.http.length + vs.tcp.length + vs.tls.length === 0)
    lines.push(`${I}No routes apply to sidecars`);
  return lines;
}

function routeTitle(kind: string, r: { index: number; name?: string }): string {
  return `${kind}${r.index + 1}${r.name !== undefined ? ` "${r.name}"` : ''}`;
}

function httpRouteLines(r: DescribedHttpRoute, host: string, namespace: string): string[] {
  const action = r.redirect
    ? `redirect ${r.redirect.status}${r.redirect.scheme ? ` to ${r.redirect.scheme}://` : ' to '}${r.redirect.authority ?? '(same host)'}${r.redirect.port ? `:${r.redirect.port}` : ''}${r.redirect.uri ?? ''}`
    : r.directResponse
      ? `answer ${r.directResponse.status}${r.directResponse.body !== undefined ? ` "${r.directResponse.body}"` : ''}`
      : destinationsWords(r.destinations, host, namespace);
  const extras: string[] = [];
  if (r.rewrite) {
    const parts = [
      r.rewrite.uri !== undefined ? `uri to "${r.rewrite.uri}"` : '',
      r.rewrite.uriRegex ? 'uri by regex' : '',
      r.rewrite.authority !== undefined ? `host to "${r.rewrite.authority}"` : '',
    ].filter(Boolean);
    if (parts.length) extras.push(`rewrite ${parts.join(', ')}`);
  }
  if (r.timeoutMs !== undefined) extras.push(`timeout ${formatDuration(r.timeoutMs)}`);
  if (r.retriesSet) extras.push(retryWords(r.retry));
  extras.push(...faultWords(r.fault).map((f) => `fault: ${f}`));
  for (const m of r.mirrors)
    extras.push(`mirror ${percentWords(m.percent)} to ${targetWords(m, host, namespace)}`);
  const delegate = r.delegate
    ? ` (from delegate ${r.delegate.namespace}/${r.delegate.name} route ${r.delegate.index + 1})`
    : '';
  return [
    `${I}${routeTitle('Route ', r)}: ${whenWords(r.when)} -> ${action}${delegate}`,
    ...(extras.length > 0 ? [`${I}${I}${extras.join('; ')}`] : []),
  ];
}

function l4RouteLine(r: DescribedL4Route, host: string, namespace: string): string {
  return `${I}${routeTitle(`${r.protocol.toUpperCase()} route `, r)}: ${whenWords(r.when)} -> ${destinationsWords(r.destinations, host, namespace)}`;
}

/** A route into the service: `VirtualService bookinfo (default) route 1: when ... -> ...`. */
function routeInWords(r: DescribedRouteIn, host: string, namespace: string): string {
  // Routes of the service's own VirtualService need no host; the others name where they go.
  const own = r.scope === 'mesh' && r.hosts.includes(host);
  const hosts = r.scope === 'mesh' && !own ? ` (hosts ${r.hosts.join(', ')})` : '';
  const title = routeTitle(r.kind === 'http' ? 'route ' : `${r.kind.toUpperCase()} route `, {
    index: r.route,
    ...(r.routeName !== undefined && { name: r.routeName }),
  });
  return (
    `VirtualService ${r.virtualService.name} (${r.virtualService.namespace})${hosts} ${title}: ` +
    `${whenWords(r.when)} -> ${destinationsWords(r.destinations, own ? host : '', namespace)}`
  );
}

function destinationsWords(
  ds: readonly DescribedDestination[],
  host: string,
  namespace: string,
): string {
  if (ds.length === 0) return 'nowhere (no destination)';
  return ds.map((d) => destinationWords(d, host, namespace)).join(', ');
}

/** `subset v1 (50%)`, or the host when it is not the service being described. */
function destinationWords(d: DescribedDestination, host: string, namespace: string): string {
  return `${targetWords(d, host, namespace)} (${percentWords(d.percent)})`;
}

function targetWords(
  d: { host: string; subset?: string; port?: number },
  host: string,
  namespace: string,
): string {
  const name = d.host === host ? '' : shortHost(d.host, namespace);
  const port = d.host !== host && d.port !== undefined ? `:${d.port}` : '';
  const subset = d.subset !== undefined ? `subset ${d.subset}` : '';
  return [`${name}${port}`, subset].filter(Boolean).join(' ') || 'all endpoints';
}

function shortHost(host: string, namespace: string): string {
  const local = `.${namespace}.svc.cluster.local`;
  if (host.endsWith(local)) return host.slice(0, -local.length);
  return host.endsWith('.svc.cluster.local') ? host.slice(0, -'.svc.cluster.local'.length) : host;
}

function trafficLine(
  t: DescribedTraffic,
  manyPorts: boolean,
  host: string,
  namespace: string,
): string {
  const head = `Traffic from a sidecar in ${t.from} now${manyPorts ? `, port ${t.port}` : ''} (${t.request}): `;
  switch (t.outcome) {
    case 'no-route':
      return `${head}no route: ${t.message ?? ''}`;
    case 'redirect':
      return `${head}redirected with ${t.status} to ${t.location ?? ''}`;
    case 'direct-response':
      return `${head}answered ${t.status} by the proxy (direct response)`;
    case 'forward': {
      const fault = faultWords(t.fault);
      const tail = fault.length > 0 ? `; fault: ${fault.join(', ')}` : '';
      if (t.virtualService === null) {
        const d = t.destinations[0];
        const n = d?.endpoints.length ?? 0;
        const ready = d?.endpoints.filter((e) => e.ready).length ?? 0;
        const to =
          n === 0
            ? 'no endpoints (503)'
            : n === 1
              ? `its only endpoint${ready === 0 ? ', which is not ready (503)' : ''}`
              : `all ${endpointWords(n, ready)}`;
        return `${head}no VirtualService: the default route sends it to ${to}${tail}`;
      }
      const by = t.virtualService
        ? ` (VirtualService ${t.virtualService.name} route ${(t.route ?? 0) + 1})`
        : '';
      const parts = t.destinations
        .filter((d) => d.percent > 0)
        .map((d) => {
          const ready = d.endpoints.filter((e) => e.ready).length;
          return `${percentWords(d.percent)} ${targetWords(d, host, namespace)} (${endpointWords(d.endpoints.length, ready)}${
            ready === 0 ? ': 503' : ''
          })`;
        });
      return `${head}${parts.join(', ') || 'nowhere (all weights are 0)'}${by}${tail}`;
    }
  }
}

function gatewayLine(gw: DescribedGateway, withProxies = true): string {
  const servers = gw.servers
    .map(
      (s) => `${s.port}/${s.protocol}${s.tls ? ` (TLS ${s.tls})` : ''} hosts ${s.hosts.join(',')}`,
    )
    .join('; ');
  const proxies = withProxies
    ? `  proxies ${gw.proxies.length > 0 ? gw.proxies.join(', ') : 'none registered'}`
    : '';
  return `Gateway: ${gw.name} (${gw.namespace})  selector ${labelWords(gw.selector)}  ${servers}${proxies}`;
}

function problemLines(problems: readonly string[]): string[] {
  if (problems.length === 0) return [];
  return ['Problems:', ...problems.map((p) => `${I}- ${p}`)];
}

function portWords(p: { number: number; name?: string; protocol: string }): string {
  return `${p.name ? `${p.name} ` : ''}${p.number}/${p.protocol}`;
}

function endpointWords(total: number, ready: number): string {
  if (total === 0) return 'no endpoints';
  return ready === total
    ? plural(total, 'endpoint')
    : `${plural(total, 'endpoint')}, ${ready} ready`;
}

function syncWords(s: SyncSummary): string {
  if (s.state === 'UNKNOWN') return `sync unknown (${s.note ?? ''})`;
  if (s.state === 'SYNCED') return 'SYNCED';
  const types = Object.entries(s.types ?? {})
    .filter(([, v]) => v !== 'SYNCED')
    .map(([k, v]) => `${k} ${v}`);
  return `${s.state} (${types.join(', ')})`;
}

/** Labels without the one that names the service (`app=reviews` on every reviews workload). */
function withoutServiceLabel(labels: Labels): Labels {
  const key = serviceNameLabel(labels);
  return Object.fromEntries(Object.entries(labels).filter(([k]) => k !== key));
}

/** Columns padded to their widest cell, two spaces apart. */
function aligned(rows: readonly (readonly string[])[]): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows.map((row) =>
    row
      .map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd(),
  );
}
