// Each document breaks one of Istio's webhook rules; the error must name the exact field.
import { parseResources } from '../parse.js';
import { formatDiagnostic } from '../diagnostics.js';
import { validateResource } from './index.js';

interface Case {
  rule: string;
  yaml: string;
  path: string;
  message: string;
}

/** A whole document from a kind and its spec, so each case shows only what matters. */
function doc(kind: string, spec: string, name = 'test'): string {
  const body = spec.replace(/^\n/, '').replace(/\s+$/, '');
  const indent = /^( *)/.exec(body)![1]!.length;
  const specLines = body
    .split('\n')
    .map((l) => `  ${l.slice(indent)}`)
    .join('\n');
  return `apiVersion: networking.istio.io/v1\nkind: ${kind}\nmetadata:\n  name: ${name}\n  namespace: ns1\nspec:\n${specLines}\n`;
}
const vs = (spec: string): string => doc('VirtualService', spec);
const dr = (spec: string): string => doc('DestinationRule', spec);
const gw = (spec: string, name?: string): string => doc('Gateway', spec, name);
const se = (spec: string): string => doc('ServiceEntry', spec);
const sc = (spec: string): string => doc('Sidecar', spec);
const we = (spec: string): string => doc('WorkloadEntry', spec);

/** A VirtualService for host `r` with one http route; `extra` is spliced into that route. */
const route = (extra: string): string =>
  vs(`
    hosts: [r]
    http:
    - route:
      - destination: {host: r}
${extra.replace(/^\n/, '').replace(/^ {8}/gm, '      ')}`);

const cases: Case[] = [
  // VirtualService
  {
    rule: 'VS hosts: wildcard only leads the first label',
    yaml: vs(`
      hosts: ["foo.*.com"]
      http: [{route: [{destination: {host: r}}]}]`),
    path: 'spec.hosts[0]',
    message: 'label "*" is not a DNS label',
  },
  {
    rule: 'VS hosts: "*" needs a gateway',
    yaml: vs(`
      hosts: ["*"]
      http: [{route: [{destination: {host: r}}]}]`),
    path: 'spec.hosts[0]',
    message: 'only allowed when the VirtualService is bound to gateways',
  },
  {
    rule: 'VS hosts: all-numeric TLD',
    yaml: vs(`
      hosts: ["foo.123"]
      http: [{route: [{destination: {host: r}}]}]`),
    path: 'spec.hosts[0]',
    message: 'cannot be all digits',
  },
  {
    rule: 'VS hosts: duplicates overlap',
    yaml: vs(`
      hosts: ["*.example.com", "a.example.com"]
      http: [{route: [{destination: {host: r}}]}]`),
    path: 'spec.hosts[1]',
    message: 'overlaps host "*.example.com"',
  },
  {
    rule: 'VS: delegate (no hosts) names gateways',
    yaml: vs(`
      gateways: [gw]
      http: [{route: [{destination: {host: r}}]}]`),
    path: 'spec.gateways',
    message: 'delegate VirtualService',
  },
  {
    rule: 'VS: delegate (no hosts) has tcp routes',
    yaml: vs(`
      tcp: [{route: [{destination: {host: r}}]}]`),
    path: 'spec.tcp',
    message: 'cannot have tcp routes',
  },
  {
    rule: 'VS: delegate cannot delegate again',
    yaml: vs(`
      http: [{delegate: {name: other}}]`),
    path: 'spec.http[0].delegate',
    message: 'cannot delegate again',
  },
  {
    rule: 'VS: no routes at all',
    yaml: vs(`
      hosts: [r]`),
    path: 'spec',
    message: 'at least one http, tcp or tls route',
  },
  {
    rule: 'VS http: needs route/redirect/directResponse/delegate',
    yaml: vs(`
      hosts: [r]
      http: [{timeout: 1s}]`),
    path: 'spec.http[0]',
    message: 'needs one of route, redirect, directResponse or delegate',
  },
  {
    rule: 'VS http: route with redirect',
    yaml: route(`
        redirect: {uri: /x}`),
    path: 'spec.http[0].redirect',
    message: 'route and redirect cannot be set together',
  },
  {
    rule: 'VS http: route with directResponse',
    yaml: route(`
        directResponse: {status: 200}`),
    path: 'spec.http[0].directResponse',
    message: 'route and directResponse',
  },
  {
    rule: 'VS http: redirect with directResponse',
    yaml: vs(`
      hosts: [r]
      http: [{redirect: {uri: /x}, directResponse: {status: 200}}]`),
    path: 'spec.http[0].directResponse',
    message: 'redirect and directResponse',
  },
  {
    rule: 'VS http: delegate with route',
    yaml: route(`
        delegate: {name: d}`),
    path: 'spec.http[0].route',
    message: 'must not also set route',
  },
  {
    rule: 'VS http: delegate with redirect',
    yaml: vs(`
      hosts: [r]
      http: [{delegate: {name: d}, redirect: {uri: /x}}]`),
    path: 'spec.http[0].redirect',
    message: 'must not also set redirect',
  },
  {
    rule: 'VS route: negative weight',
    yaml: vs(`
      hosts: [r]
      http: [{route: [{destination: {host: a}, weight: -1}, {destination: {host: b}, weight: 5}]}]`),
    path: 'spec.http[0].route[0].weight',
    message: 'weight -1 is negative',
  },
  {
    rule: 'VS route: several destinations all weighted 0',
    yaml: vs(`
      hosts: [r]
      http: [{route: [{destination: {host: a}, weight: 0}, {destination: {host: b}}]}]`),
    path: 'spec.http[0].route',
    message: 'all 2 destinations have weight 0',
  },
  {
    rule: 'VS route: destination required',
    yaml: vs(`
      hosts: [r]
      http: [{route: [{weight: 100}]}]`),
    path: 'spec.http[0].route[0].destination',
    message: 'destination is required',
  },
  {
    rule: 'VS route: destination host required',
    yaml: vs(`
      hosts: [r]
      http: [{route: [{destination: {subset: v1}}]}]`),
    path: 'spec.http[0].route[0].destination.host',
    message: 'destination host is required',
  },
  {
    rule: 'VS route: destination host "*"',
    yaml: vs(`
      hosts: [r]
      http: [{route: [{destination: {host: "*"}}]}]`),
    path: 'spec.http[0].route[0].destination.host',
    message: 'is not a service',
  },
  {
    rule: 'VS route: subset must be a DNS label',
    yaml: vs(`
      hosts: [r]
      http: [{route: [{destination: {host: r, subset: v1.0}}]}]`),
    path: 'spec.http[0].route[0].destination.subset',
    message: '"v1.0" is not a DNS label',
  },
  {
    rule: 'VS route: port 0',
    yaml: vs(`
      hosts: [r]
      http: [{route: [{destination: {host: r, port: {number: 0}}}]}]`),
    path: 'spec.http[0].route[0].destination.port.number',
    message: 'port 0 is out of range',
  },
  {
    rule: 'VS route: port above 65535',
    yaml: vs(`
      hosts: [r]
      http: [{route: [{destination: {host: r, port: {number: 70000}}}]}]`),
    path: 'spec.http[0].route[0].destination.port.number',
    message: 'port 70000 is out of range',
  },
  {
    rule: 'VS timeout: not a duration',
    yaml: route(`
        timeout: "10"`),
    path: 'spec.http[0].timeout',
    message: '"10" is not a duration (use e.g. "1.5s" or "250ms")',
  },
  {
    rule: 'VS timeout: below 1ms',
    yaml: route(`
        timeout: 0s`),
    path: 'spec.http[0].timeout',
    message: 'shorter than 1ms',
  },
  {
    rule: 'VS timeout: sub-millisecond precision',
    yaml: route(`
        timeout: 1500us`),
    path: 'spec.http[0].timeout',
    message: 'whole number of milliseconds',
  },
  {
    rule: 'VS retries: negative attempts',
    yaml: route(`
        retries: {attempts: -1}`),
    path: 'spec.http[0].retries.attempts',
    message: 'attempts -1 is negative',
  },
  {
    rule: 'VS retries: policy with 0 attempts',
    yaml: route(`
        retries: {attempts: 0, retryOn: 5xx}`),
    path: 'spec.http[0].retries.attempts',
    message: 'retries are disabled with 0 attempts',
  },
  {
    rule: 'VS retries: perTryTimeout duration',
    yaml: route(`
        retries: {attempts: 2, perTryTimeout: 2x}`),
    path: 'spec.http[0].retries.perTryTimeout',
    message: '"2x" is not a duration',
  },
  {
    rule: 'VS retries: unknown retryOn policy',
    yaml: route(`
        retries: {attempts: 2, retryOn: "5xx,bogus"}`),
    path: 'spec.http[0].retries.retryOn',
    message: '"bogus" is not a retryOn policy',
  },
  {
    rule: 'VS retries: retryOn status code Go does not know',
    yaml: route(`
        retries: {attempts: 2, retryOn: "599"}`),
    path: 'spec.http[0].retries.retryOn',
    message: '"599" is not a retryOn policy',
  },
  {
    rule: 'VS fault: neither delay nor abort',
    yaml: route(`
        fault: {}`),
    path: 'spec.http[0].fault',
    message: 'needs a delay, an abort, or both',
  },
  {
    rule: 'VS fault: fixedDelay not a duration',
    yaml: route(`
        fault: {delay: {fixedDelay: soon}}`),
    path: 'spec.http[0].fault.delay.fixedDelay',
    message: '"soon" is not a duration',
  },
  {
    rule: 'VS fault: httpStatus below 200',
    yaml: route(`
        fault: {abort: {httpStatus: 100}}`),
    path: 'spec.http[0].fault.abort.httpStatus',
    message: 'HTTP status 100 is not within 200..600',
  },
  {
    rule: 'VS fault: httpStatus 601',
    yaml: route(`
        fault: {abort: {httpStatus: 601}}`),
    path: 'spec.http[0].fault.abort.httpStatus',
    message: 'HTTP status 601',
  },
  {
    rule: 'VS fault: percentage above 100',
    yaml: route(`
        fault: {abort: {httpStatus: 503, percentage: {value: 101}}}`),
    path: 'spec.http[0].fault.abort.percentage.value',
    message: 'percentage 101',
  },
  {
    rule: 'VS fault: percentage negative',
    yaml: route(`
        fault: {delay: {fixedDelay: 1s, percentage: {value: -5}}}`),
    path: 'spec.http[0].fault.delay.percentage.value',
    message: 'percentage -5',
  },
  {
    rule: 'VS fault: grpcStatus name',
    yaml: route(`
        fault: {abort: {grpcStatus: "14"}}`),
    path: 'spec.http[0].fault.abort.grpcStatus',
    message: '"14" is not a gRPC status code name',
  },
  {
    rule: 'VS match: invalid uri regex',
    yaml: route(`
        match: [{uri: {regex: "(unclosed"}}]`),
    path: 'spec.http[0].match[0].uri.regex',
    message: 'is not a valid RE2 regex',
  },
  {
    rule: 'VS match: lookahead is not RE2',
    yaml: route(`
        match: [{headers: {x-a: {regex: "(?=a)b"}}}]`),
    path: 'spec.http[0].match[0].headers.x-a.regex',
    message: 'is not a valid RE2 regex',
  },
  {
    rule: 'VS match: invalid queryParams regex',
    yaml: route(`
        match: [{queryParams: {q: {regex: "a{2,1}"}}}]`),
    path: 'spec.http[0].match[0].queryParams.q.regex',
    message: 'is not a valid RE2 regex',
  },
  {
    rule: 'VS match: invalid authority regex',
    yaml: route(`
        match: [{authority: {regex: "[z-a]"}}]`),
    path: 'spec.http[0].match[0].authority.regex',
    message: 'is not a valid RE2 regex',
  },
  {
    rule: 'VS match: invalid withoutHeaders regex',
    yaml: route(`
        match: [{withoutHeaders: {x-b: {regex: "*a"}}}]`),
    path: 'spec.http[0].match[0].withoutHeaders.x-b.regex',
    message: 'is not a valid RE2 regex',
  },
  {
    rule: 'VS match: StringMatch with two types',
    yaml: route(`
        match: [{uri: {exact: /a, prefix: /b}}]`),
    path: 'spec.http[0].match[0].uri',
    message: 'only one of exact, prefix or regex',
  },
  {
    rule: 'VS match: empty prefix on method',
    yaml: route(`
        match: [{method: {prefix: ""}}]`),
    path: 'spec.http[0].match[0].method.prefix',
    message: 'prefix must not be empty',
  },
  {
    rule: 'VS match: unknown pseudo-header name',
    yaml: route(`
        match: [{headers: {":protocol": {exact: websocket}}}]`),
    path: 'spec.http[0].match[0].headers[":protocol"]',
    message: '":protocol" is not a valid header name',
  },
  {
    rule: 'VS match: JWT claim routing off gateways',
    yaml: route(`
        match: [{headers: {"@request.auth.claims.group": {exact: admin}}}]`),
    path: 'spec.http[0].match[0].headers["@request.auth.claims.group"]',
    message: 'only works on gateways',
  },
  {
    rule: 'VS match: port out of range',
    yaml: route(`
        match: [{port: 65536}]`),
    path: 'spec.http[0].match[0].port',
    message: 'port 65536 is out of range',
  },
  {
    rule: 'VS match: gateways entry malformed',
    yaml: route(`
        match: [{gateways: ["ns/Bad_Name"]}]`),
    path: 'spec.http[0].match[0].gateways[0]',
    message: 'invalid name "Bad_Name"',
  },
  {
    rule: 'VS gateways: empty namespace',
    yaml: vs(`
      hosts: [r]
      gateways: ["/gw"]
      http: [{route: [{destination: {host: r}}]}]`),
    path: 'spec.gateways[0]',
    message: 'invalid namespace ""',
  },
  {
    rule: 'VS headers: cannot set pseudo-header',
    yaml: route(`
        headers: {request: {set: {":path": /x}}}`),
    path: 'spec.http[0].headers.request.set[":path"]',
    message: 'pseudo-headers',
  },
  {
    rule: 'VS headers: response cannot set Host',
    yaml: route(`
        headers: {response: {set: {Host: x}}}`),
    path: 'spec.http[0].headers.response.set.Host',
    message: 'cannot be changed',
  },
  {
    rule: 'VS headers: lone % in value',
    yaml: route(`
        headers: {request: {add: {x-a: "50%"}}}`),
    path: 'spec.http[0].headers.request.add.x-a',
    message: 'ends with an unescaped "%"',
  },
  {
    rule: 'VS rewrite: uri with uriRegexRewrite',
    yaml: route(`
        rewrite: {uri: /a, uriRegexRewrite: {match: "^/b", rewrite: /c}}`),
    path: 'spec.http[0].rewrite.uriRegexRewrite',
    message: 'uri and uriRegexRewrite cannot be set together',
  },
  {
    rule: 'VS rewrite: uriRegexRewrite without rewrite',
    yaml: route(`
        rewrite: {uriRegexRewrite: {match: "^/b"}}`),
    path: 'spec.http[0].rewrite.uriRegexRewrite.rewrite',
    message: 'needs both match and rewrite',
  },
  {
    rule: 'VS rewrite: uriRegexRewrite invalid regex',
    yaml: route(`
        rewrite: {uriRegexRewrite: {match: "((", rewrite: /c}}`),
    path: 'spec.http[0].rewrite.uriRegexRewrite.match',
    message: 'is not a valid RE2 regex',
  },
  {
    rule: 'VS rewrite: authority set twice',
    yaml: route(`
        rewrite: {authority: a.example.com}
        headers: {request: {set: {host: b.example.com}}}`),
    path: 'spec.http[0].headers.request.set.host',
    message: 'already rewritten',
  },
  {
    rule: 'VS redirect: port with derivePort',
    yaml: vs(`
      hosts: [r]
      http: [{redirect: {port: 8080, derivePort: FROM_REQUEST_PORT}}]`),
    path: 'spec.http[0].redirect.derivePort',
    message: 'port and derivePort cannot be set together',
  },
  {
    rule: 'VS redirect: derivePort enum',
    yaml: vs(`
      hosts: [r]
      http: [{redirect: {derivePort: FROM_HEADER}}]`),
    path: 'spec.http[0].redirect.derivePort',
    message: '"FROM_HEADER" is not one of',
  },
  {
    rule: 'VS redirect: redirectCode must be 3xx',
    yaml: vs(`
      hosts: [r]
      http: [{redirect: {uri: /x, redirectCode: 200}}]`),
    path: 'spec.http[0].redirect.redirectCode',
    message: '200 is not a redirect status',
  },
  {
    rule: 'VS redirect: scheme http or https',
    yaml: vs(`
      hosts: [r]
      http: [{redirect: {scheme: ftp}}]`),
    path: 'spec.http[0].redirect.scheme',
    message: 'must be "http" or "https"',
  },
  {
    rule: 'VS redirect: says nothing',
    yaml: vs(`
      hosts: [r]
      http: [{redirect: {redirectCode: 301}}]`),
    path: 'spec.http[0].redirect',
    message: 'must set at least one of uri',
  },
  {
    rule: 'VS directResponse: status out of range',
    yaml: vs(`
      hosts: [r]
      http: [{directResponse: {status: 700}}]`),
    path: 'spec.http[0].directResponse.status',
    message: 'HTTP status 700',
  },
  {
    rule: 'VS directResponse: body string and bytes',
    yaml: vs(`
      hosts: [r]
      http: [{directResponse: {status: 200, body: {string: a, bytes: YQ==}}}]`),
    path: 'spec.http[0].directResponse.body',
    message: 'only one of string or bytes',
  },
  {
    rule: 'VS directResponse: bytes not base64',
    yaml: vs(`
      hosts: [r]
      http: [{directResponse: {status: 200, body: {bytes: "not base64!"}}}]`),
    path: 'spec.http[0].directResponse.body.bytes',
    message: 'base64',
  },
  {
    rule: 'VS mirror: mirror and mirrors',
    yaml: route(`
        mirror: {host: m}
        mirrors: [{destination: {host: m2}}]`),
    path: 'spec.http[0].mirrors',
    message: 'mirror and mirrors cannot be set together',
  },
  {
    rule: 'VS mirror: mirror_percent (json_name) above 100',
    yaml: route(`
        mirror: {host: m}
        mirror_percent: 150`),
    path: 'spec.http[0].mirror_percent',
    message: 'percentage 150 is not within 0..100',
  },
  {
    rule: 'VS mirror: mirrorPercentage above 100',
    yaml: route(`
        mirror: {host: m}
        mirrorPercentage: {value: 150}`),
    path: 'spec.http[0].mirrorPercentage.value',
    message: 'percentage 150',
  },
  {
    rule: 'VS mirrors: destination required',
    yaml: route(`
        mirrors: [{percentage: {value: 5}}]`),
    path: 'spec.http[0].mirrors[0].destination',
    message: 'destination is required',
  },
  {
    rule: 'VS cors: allowOrigin with allowOrigins',
    yaml: route(`
        corsPolicy: {allowOrigin: ["https://a"], allowOrigins: [{exact: "https://b"}]}`),
    path: 'spec.http[0].corsPolicy.allowOrigin',
    message: 'cannot be set together',
  },
  {
    rule: 'VS cors: unmatchedPreflights enum',
    yaml: route(`
        corsPolicy: {unmatchedPreflights: DROP}`),
    path: 'spec.http[0].corsPolicy.unmatchedPreflights',
    message: '"DROP" is not one of',
  },
  {
    rule: 'VS cors: maxAge whole seconds',
    yaml: route(`
        corsPolicy: {maxAge: 1500ms}`),
    path: 'spec.http[0].corsPolicy.maxAge',
    message: 'whole number of seconds',
  },
  {
    rule: 'VS cors: empty allowOrigins entry',
    yaml: route(`
        corsPolicy: {allowOrigins: [{}]}`),
    path: 'spec.http[0].corsPolicy.allowOrigins[0]',
    message: 'must set one of exact, prefix or regex',
  },
  {
    rule: 'VS cors: invalid allowOrigins regex',
    yaml: route(`
        corsPolicy: {allowOrigins: [{regex: "https://(.*"}]}`),
    path: 'spec.http[0].corsPolicy.allowOrigins[0].regex',
    message: 'is not a valid RE2 regex',
  },
  {
    rule: 'VS cors: unsupported method',
    yaml: route(`
        corsPolicy: {allowMethods: [get]}`),
    path: 'spec.http[0].corsPolicy.allowMethods[0]',
    message: '"get" is not a supported HTTP method',
  },
  {
    rule: 'VS tcp: route required',
    yaml: vs(`
      hosts: [r]
      tcp: [{match: [{port: 9000}]}]`),
    path: 'spec.tcp[0].route',
    message: 'tcp route needs at least one route destination',
  },
  {
    rule: 'VS tcp: destinationSubnets CIDR',
    yaml: vs(`
      hosts: [r]
      tcp: [{match: [{destinationSubnets: ["10.0.0.0/33"]}], route: [{destination: {host: r}}]}]`),
    path: 'spec.tcp[0].match[0].destinationSubnets[0]',
    message: 'not a valid CIDR block',
  },
  {
    rule: 'VS tls: match needs sniHosts',
    yaml: vs(`
      hosts: [r.example.com]
      tls: [{match: [{port: 443}], route: [{destination: {host: r}}]}]`),
    path: 'spec.tls[0].match[0].sniHosts',
    message: 'at least one SNI host',
  },
  {
    rule: 'VS tls: sniHosts must be covered by hosts',
    yaml: vs(`
      hosts: ["*.example.com"]
      tls: [{match: [{sniHosts: [a.example.org]}], route: [{destination: {host: r}}]}]`),
    path: 'spec.tls[0].match[0].sniHosts[0]',
    message: 'is not covered by any host',
  },
  {
    rule: 'VS tls: route required',
    yaml: vs(`
      hosts: [r.example.com]
      tls: [{match: [{sniHosts: [r.example.com]}]}]`),
    path: 'spec.tls[0].route',
    message: 'tls route needs at least one route destination',
  },
  {
    rule: 'VS exportTo: "~" only on ServiceEntry',
    yaml: vs(`
      hosts: [r]
      exportTo: ["~"]
      http: [{route: [{destination: {host: r}}]}]`),
    path: 'spec.exportTo[0]',
    message: 'only allowed on ServiceEntry',
  },
  {
    rule: 'VS exportTo: not a namespace',
    yaml: vs(`
      hosts: [r]
      exportTo: ["Not_A_NS"]
      http: [{route: [{destination: {host: r}}]}]`),
    path: 'spec.exportTo[0]',
    message: 'is not ".", "*" or a namespace name',
  },
  {
    rule: 'VS exportTo: "." duplicates own namespace',
    yaml: vs(`
      hosts: [r]
      exportTo: [".", ns1]
      http: [{route: [{destination: {host: r}}]}]`),
    path: 'spec.exportTo[1]',
    message: 'both name the current namespace',
  },
  {
    rule: 'VS exportTo: "*" combined',
    yaml: vs(`
      hosts: [r]
      exportTo: ["*", other]
      http: [{route: [{destination: {host: r}}]}]`),
    path: 'spec.exportTo',
    message: 'cannot be combined',
  },

  // DestinationRule
  {
    rule: 'DR host required',
    yaml: dr(`
      subsets: [{name: v1}]`),
    path: 'spec.host',
    message: 'host is required',
  },
  {
    rule: 'DR host valid',
    yaml: dr(`
      host: "bad host"`),
    path: 'spec.host',
    message: 'is not a DNS label',
  },
  {
    rule: 'DR subset name required',
    yaml: dr(`
      host: r
      subsets: [{labels: {version: v1}}]`),
    path: 'spec.subsets[0].name',
    message: 'subset name is required',
  },
  {
    rule: 'DR subset name DNS label',
    yaml: dr(`
      host: r
      subsets: [{name: v1_0}]`),
    path: 'spec.subsets[0].name',
    message: 'is not a DNS label',
  },
  {
    rule: 'DR duplicate subset names',
    yaml: dr(`
      host: r
      subsets: [{name: v1}, {name: v1}]`),
    path: 'spec.subsets[1].name',
    message: 'duplicate subset name "v1"',
  },
  {
    rule: 'DR subset labels valid',
    yaml: dr(`
      host: r
      subsets: [{name: v1, labels: {"bad key!": x}}]`),
    path: 'spec.subsets[0].labels["bad key!"]',
    message: 'label key',
  },
  {
    rule: 'DR LB: simple with consistentHash',
    yaml: dr(`
      host: r
      trafficPolicy: {loadBalancer: {simple: RANDOM, consistentHash: {useSourceIp: true}}}`),
    path: 'spec.trafficPolicy.loadBalancer',
    message: 'simple and consistentHash cannot be set together',
  },
  {
    rule: 'DR LB: simple enum',
    yaml: dr(`
      host: r
      trafficPolicy: {loadBalancer: {simple: FASTEST}}`),
    path: 'spec.trafficPolicy.loadBalancer.simple',
    message: '"FASTEST" is not one of',
  },
  {
    rule: 'DR LB: several hash keys',
    yaml: dr(`
      host: r
      trafficPolicy: {loadBalancer: {consistentHash: {httpHeaderName: x-user, useSourceIp: true}}}`),
    path: 'spec.trafficPolicy.loadBalancer.consistentHash',
    message: 'only one hash key',
  },
  {
    rule: 'DR LB: cookie without name',
    yaml: dr(`
      host: r
      trafficPolicy: {loadBalancer: {consistentHash: {httpCookie: {ttl: 10s}}}}`),
    path: 'spec.trafficPolicy.loadBalancer.consistentHash.httpCookie.name',
    message: 'httpCookie needs a name',
  },
  {
    rule: 'DR LB: ringHash with maglev',
    yaml: dr(`
      host: r
      trafficPolicy: {loadBalancer: {consistentHash: {useSourceIp: true, ringHash: {minimumRingSize: 1024}, maglev: {tableSize: 65537}}}}`),
    path: 'spec.trafficPolicy.loadBalancer.consistentHash.maglev',
    message: 'ringHash and maglev cannot be set together',
  },
  {
    rule: 'DR LB: minimumRingSize with ringHash',
    yaml: dr(`
      host: r
      trafficPolicy: {loadBalancer: {consistentHash: {useSourceIp: true, minimumRingSize: 1024, ringHash: {minimumRingSize: 1024}}}}`),
    path: 'spec.trafficPolicy.loadBalancer.consistentHash.minimumRingSize',
    message: 'cannot be combined with ringHash or maglev',
  },
  {
    rule: 'DR retryBudget: percent above 100',
    yaml: dr(`
      host: r
      trafficPolicy: {retryBudget: {percent: 150, minRetryConcurrency: 3}}`),
    path: 'spec.trafficPolicy.retryBudget.percent',
    message: 'retry budget percent 150 is not within 0..100',
  },
  {
    rule: 'DR retryBudget: budgetInterval not a duration',
    yaml: dr(`
      host: r
      trafficPolicy: {retryBudget: {percent: 20, budgetInterval: 10sec}}`),
    path: 'spec.trafficPolicy.retryBudget.budgetInterval',
    message: 'is not a duration',
  },
  {
    rule: 'DR retryBudget: budgetInterval below ms precision',
    yaml: dr(`
      host: r
      subsets: [{name: v1, labels: {v: "1"}, trafficPolicy: {retryBudget: {budgetInterval: 1500us}}}]`),
    path: 'spec.subsets[0].trafficPolicy.retryBudget.budgetInterval',
    message: 'not a whole number of milliseconds',
  },
  {
    rule: 'DR LB: maglev tableSize prime',
    yaml: dr(`
      host: r
      trafficPolicy: {loadBalancer: {consistentHash: {useSourceIp: true, maglev: {tableSize: 65536}}}}`),
    path: 'spec.trafficPolicy.loadBalancer.consistentHash.maglev.tableSize',
    message: 'is not a prime number',
  },
  {
    rule: 'DR locality: distribute with failover',
    yaml: dr(`
      host: r
      trafficPolicy:
        loadBalancer:
          localityLbSetting:
            distribute: [{from: a/*, to: {"a/*": 100}}]
            failover: [{from: a, to: b}]`),
    path: 'spec.trafficPolicy.loadBalancer.localityLbSetting',
    message: 'distribute and failover cannot be set together',
  },
  {
    rule: 'DR locality: distribute weights sum to 100',
    yaml: dr(`
      host: r
      trafficPolicy:
        loadBalancer:
          localityLbSetting:
            distribute: [{from: a/*, to: {"a/*": 60, "b/*": 30}}]`),
    path: 'spec.trafficPolicy.loadBalancer.localityLbSetting.distribute[0].to',
    message: 'sum to 90, not 100',
  },
  {
    rule: 'DR locality: failover from == to',
    yaml: dr(`
      host: r
      trafficPolicy:
        outlierDetection: {consecutive5xxErrors: 1}
        loadBalancer:
          localityLbSetting:
            failover: [{from: us-east, to: us-east}]`),
    path: 'spec.trafficPolicy.loadBalancer.localityLbSetting.failover[0]',
    message: 'same region',
  },
  {
    rule: 'DR pool: negative maxConnections',
    yaml: dr(`
      host: r
      trafficPolicy: {connectionPool: {tcp: {maxConnections: -1}}}`),
    path: 'spec.trafficPolicy.connectionPool.tcp.maxConnections',
    message: '-1 is negative',
  },
  {
    rule: 'DR pool: h2UpgradePolicy enum',
    yaml: dr(`
      host: r
      trafficPolicy: {connectionPool: {http: {h2UpgradePolicy: ALWAYS}}}`),
    path: 'spec.trafficPolicy.connectionPool.http.h2UpgradePolicy',
    message: '"ALWAYS" is not one of',
  },
  {
    rule: 'DR pool: connectTimeout duration',
    yaml: dr(`
      host: r
      trafficPolicy: {connectionPool: {tcp: {connectTimeout: "10"}}}`),
    path: 'spec.trafficPolicy.connectionPool.tcp.connectTimeout',
    message: '"10" is not a duration',
  },
  {
    rule: 'DR outlier: maxEjectionPercent within 0..100',
    yaml: dr(`
      host: r
      trafficPolicy: {outlierDetection: {maxEjectionPercent: 150}}`),
    path: 'spec.trafficPolicy.outlierDetection.maxEjectionPercent',
    message: 'percentage 150',
  },
  {
    rule: 'DR outlier: minHealthPercent within 0..100',
    yaml: dr(`
      host: r
      trafficPolicy: {outlierDetection: {minHealthPercent: -1}}`),
    path: 'spec.trafficPolicy.outlierDetection.minHealthPercent',
    message: 'percentage -1',
  },
  {
    rule: 'DR outlier: interval >= 1ms',
    yaml: dr(`
      host: r
      trafficPolicy: {outlierDetection: {interval: 100us}}`),
    path: 'spec.trafficPolicy.outlierDetection.interval',
    message: 'shorter than 1ms',
  },
  {
    rule: 'DR tls: mode enum',
    yaml: dr(`
      host: r
      trafficPolicy: {tls: {mode: STRICT}}`),
    path: 'spec.trafficPolicy.tls.mode',
    message: '"STRICT" is not one of',
  },
  {
    rule: 'DR tls: MUTUAL needs certificates',
    yaml: dr(`
      host: r
      trafficPolicy: {tls: {mode: MUTUAL, privateKey: /k.pem}}`),
    path: 'spec.trafficPolicy.tls.clientCertificate',
    message: 'MUTUAL TLS needs clientCertificate',
  },
  {
    rule: 'DR portLevelSettings: port required',
    yaml: dr(`
      host: r
      trafficPolicy: {portLevelSettings: [{loadBalancer: {simple: RANDOM}}]}`),
    path: 'spec.trafficPolicy.portLevelSettings[0].port',
    message: 'port-level settings need a port',
  },
  {
    rule: 'DR trafficPolicy: empty',
    yaml: dr(`
      host: r
      trafficPolicy: {}`),
    path: 'spec.trafficPolicy',
    message: 'at least one field',
  },
  {
    rule: 'DR workloadSelector: exportTo beyond own namespace',
    yaml: dr(`
      host: r
      workloadSelector: {matchLabels: {app: a}}
      exportTo: ["*"]`),
    path: 'spec.exportTo',
    message: 'can only be exported to its own namespace',
  },

  // Gateway
  {
    rule: 'GW: no servers',
    yaml: gw(`
      selector: {istio: ingressgateway}`),
    path: 'spec.servers',
    message: 'at least one server',
  },
  {
    rule: 'GW: server without port',
    yaml: gw(`
      servers: [{hosts: ["*"]}]`),
    path: 'spec.servers[0].port',
    message: 'server port is required',
  },
  {
    rule: 'GW: port number out of range',
    yaml: gw(`
      servers: [{port: {number: 0, name: http, protocol: HTTP}, hosts: ["*"]}]`),
    path: 'spec.servers[0].port.number',
    message: 'port 0 is out of range',
  },
  {
    rule: 'GW: protocol unknown',
    yaml: gw(`
      servers: [{port: {number: 80, name: http, protocol: HTTP3}, hosts: ["*"]}]`),
    path: 'spec.servers[0].port.protocol',
    message: 'unknown protocol "HTTP3"',
  },
  {
    rule: 'GW: protocol required',
    yaml: gw(`
      servers: [{port: {number: 80, name: http}, hosts: ["*"]}]`),
    path: 'spec.servers[0].port.protocol',
    message: 'protocol is required',
  },
  {
    rule: 'GW: port name required',
    yaml: gw(`
      servers: [{port: {number: 80, protocol: HTTP}, hosts: ["*"]}]`),
    path: 'spec.servers[0].port.name',
    message: 'server port name is required',
  },
  {
    rule: 'GW: server without hosts',
    yaml: gw(`
      servers: [{port: {number: 80, name: http, protocol: HTTP}}]`),
    path: 'spec.servers[0].hosts',
    message: 'at least one host',
  },
  {
    rule: 'GW hosts: short name',
    yaml: gw(`
      servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: [reviews]}]`),
    path: 'spec.servers[0].hosts[0]',
    message: 'short name "reviews" is not allowed',
  },
  {
    rule: 'GW hosts: bad namespace',
    yaml: gw(`
      servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: ["~/a.example.com"]}]`),
    path: 'spec.servers[0].hosts[0]',
    message: 'invalid namespace "~"',
  },
  {
    rule: 'GW hosts: partial wildcard',
    yaml: gw(`
      servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: ["*/*foo.example.com"]}]`),
    path: 'spec.servers[0].hosts[0]',
    message: 'partial wildcard',
  },
  {
    rule: 'GW tls: mode enum',
    yaml: gw(`
      servers: [{port: {number: 443, name: https, protocol: HTTPS}, hosts: ["*"], tls: {mode: STRICT}}]`),
    path: 'spec.servers[0].tls.mode',
    message: '"STRICT" is not one of',
  },
  {
    rule: 'GW tls: SIMPLE needs a certificate',
    yaml: gw(`
      servers: [{port: {number: 443, name: https, protocol: HTTPS}, hosts: ["*"], tls: {mode: SIMPLE, privateKey: /k.pem}}]`),
    path: 'spec.servers[0].tls.serverCertificate',
    message: 'SIMPLE TLS needs serverCertificate',
  },
  {
    rule: 'GW tls: MUTUAL needs a CA',
    yaml: gw(`
      servers: [{port: {number: 443, name: https, protocol: HTTPS}, hosts: ["*"], tls: {mode: MUTUAL, serverCertificate: /c.pem, privateKey: /k.pem}}]`),
    path: 'spec.servers[0].tls.caCertificates',
    message: 'MUTUAL TLS needs caCertificates',
  },
  {
    rule: 'GW: HTTPS server without tls',
    yaml: gw(`
      servers: [{port: {number: 443, name: https, protocol: HTTPS}, hosts: ["*"]}]`),
    path: 'spec.servers[0].tls',
    message: 'HTTPS servers need tls settings',
  },
  {
    rule: 'GW: plain HTTP server with certificates',
    yaml: gw(`
      servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: ["*"], tls: {mode: SIMPLE, credentialName: c}}]`),
    path: 'spec.servers[0].tls',
    message: 'plain-text HTTP server cannot have TLS settings',
  },
  {
    rule: 'GW: duplicate server port names',
    yaml: gw(`
      servers:
      - {port: {number: 80, name: web, protocol: HTTP}, hosts: ["*"]}
      - {port: {number: 8080, name: web, protocol: HTTP}, hosts: ["*"]}`),
    path: 'spec.servers[1].port.name',
    message: 'port name "web" is already used by servers[0]',
  },
  {
    rule: 'GW: name must be a DNS label',
    yaml: gw(
      `
      servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: ["*"]}]`,
      'my.gateway',
    ),
    path: 'metadata.name',
    message: 'must be a DNS label',
  },
  {
    rule: 'GW: bind must be an IP',
    yaml: gw(`
      servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: ["*"], bind: localhost}]`),
    path: 'spec.servers[0].bind',
    message: 'is not an IP address',
  },

  // ServiceEntry
  {
    rule: 'SE: hosts required',
    yaml: se(`
      ports: [{number: 80, name: http, protocol: HTTP}]`),
    path: 'spec.hosts',
    message: 'at least one host',
  },
  {
    rule: 'SE: host "*"',
    yaml: se(`
      hosts: ["*"]`),
    path: 'spec.hosts[0]',
    message: 'host "*" is not allowed',
  },
  {
    rule: 'SE: wildcard host with DNS resolution',
    yaml: se(`
      hosts: ["*.example.com"]
      ports: [{number: 443, name: tls, protocol: TLS}]
      resolution: DNS`),
    path: 'spec.hosts[0]',
    message: 'cannot be a wildcard',
  },
  {
    rule: 'SE: resolution enum',
    yaml: se(`
      hosts: [a.example.com]
      resolution: DYNAMIC`),
    path: 'spec.resolution',
    message: '"DYNAMIC" is not one of',
  },
  {
    rule: 'SE: location enum',
    yaml: se(`
      hosts: [a.example.com]
      location: EXTERNAL`),
    path: 'spec.location',
    message: '"EXTERNAL" is not one of',
  },
  {
    rule: 'SE: duplicate port numbers',
    yaml: se(`
      hosts: [a.example.com]
      ports: [{number: 80, name: http, protocol: HTTP}, {number: 80, name: web, protocol: HTTP}]`),
    path: 'spec.ports[1].number',
    message: 'port 80 is already declared',
  },
  {
    rule: 'SE: duplicate port names',
    yaml: se(`
      hosts: [a.example.com]
      ports: [{number: 80, name: http, protocol: HTTP}, {number: 81, name: http, protocol: HTTP}]`),
    path: 'spec.ports[1].name',
    message: 'port name "http" is already declared',
  },
  {
    rule: 'SE: port name required',
    yaml: se(`
      hosts: [a.example.com]
      ports: [{number: 80, protocol: HTTP}]`),
    path: 'spec.ports[0].name',
    message: 'port name is required',
  },
  {
    rule: 'SE: port name DNS label',
    yaml: se(`
      hosts: [a.example.com]
      ports: [{number: 80, name: http_web, protocol: HTTP}]`),
    path: 'spec.ports[0].name',
    message: 'is not a DNS label',
  },
  {
    rule: 'SE: invalid protocol',
    yaml: se(`
      hosts: [a.example.com]
      ports: [{number: 80, name: http, protocol: QUIC}]`),
    path: 'spec.ports[0].protocol',
    message: 'unknown protocol "QUIC"',
  },
  {
    rule: 'SE: endpoints with workloadSelector',
    yaml: se(`
      hosts: [a.example.com]
      resolution: STATIC
      workloadSelector: {labels: {app: a}}
      endpoints: [{address: 1.1.1.1}]`),
    path: 'spec.endpoints',
    message: 'endpoints and workloadSelector cannot be set together',
  },
  {
    rule: 'SE: STATIC endpoint must be an IP',
    yaml: se(`
      hosts: [a.example.com]
      resolution: STATIC
      endpoints: [{address: a.example.com}]`),
    path: 'spec.endpoints[0].address',
    message: 'STATIC resolution needs IPs',
  },
  {
    rule: 'SE: DNS endpoint malformed',
    yaml: se(`
      hosts: [a.example.com]
      ports: [{number: 80, name: http, protocol: HTTP}]
      resolution: DNS
      endpoints: [{address: "bad_host!"}]`),
    path: 'spec.endpoints[0].address',
    message: 'not an IP address or a fully qualified host name',
  },
  {
    rule: 'SE: endpoint port not declared',
    yaml: se(`
      hosts: [a.example.com]
      ports: [{number: 80, name: http, protocol: HTTP}]
      resolution: STATIC
      endpoints: [{address: 1.1.1.1, ports: {grpc: 9090}}]`),
    path: 'spec.endpoints[0].ports.grpc',
    message: 'is not declared',
  },
  {
    rule: 'SE: addresses must be IP or CIDR',
    yaml: se(`
      hosts: [a.example.com]
      addresses: [300.1.1.1]`),
    path: 'spec.addresses[0]',
    message: 'is not a valid IP address or CIDR block',
  },
  {
    rule: 'SE: CIDR needs NONE or STATIC',
    yaml: se(`
      hosts: [a.example.com]
      addresses: [10.0.0.0/8]
      ports: [{number: 80, name: http, protocol: HTTP}]
      resolution: DNS`),
    path: 'spec.addresses',
    message: 'CIDR addresses need resolution NONE or STATIC',
  },
  {
    rule: 'SE: NONE takes no endpoints',
    yaml: se(`
      hosts: [a.example.com]
      endpoints: [{address: 1.1.1.1}]`),
    path: 'spec.endpoints',
    message: 'takes no endpoints',
  },
  {
    rule: 'SE: several hosts on a TCP port',
    yaml: se(`
      hosts: [a.example.com, b.example.com]
      ports: [{number: 5432, name: pg, protocol: TCP}]
      resolution: DNS`),
    path: 'spec.ports[0].protocol',
    message: 'several hosts need HTTP or TLS ports',
  },
  {
    rule: 'SE: "~" cannot be combined',
    yaml: se(`
      hosts: [a.example.com]
      exportTo: ["~", "."]`),
    path: 'spec.exportTo',
    message: '"~" exports to no one',
  },

  // Sidecar
  {
    rule: 'Sidecar: empty configuration',
    yaml: sc(`
      workloadSelector: {labels: {app: a}}`),
    path: 'spec',
    message: 'at least one of egress, ingress',
  },
  {
    rule: 'Sidecar egress: hosts required',
    yaml: sc(`
      egress: [{port: {number: 80, protocol: HTTP, name: http}}]`),
    path: 'spec.egress[0].hosts',
    message: 'at least one host',
  },
  {
    rule: 'Sidecar egress: host needs namespace/',
    yaml: sc(`
      egress: [{hosts: [reviews.default.svc.cluster.local]}]`),
    path: 'spec.egress[0].hosts[0]',
    message: 'must be of the form namespace/dnsName',
  },
  {
    rule: 'Sidecar egress: short name',
    yaml: sc(`
      egress: [{hosts: [./reviews]}]`),
    path: 'spec.egress[0].hosts[0]',
    message: 'short name "reviews"',
  },
  {
    rule: 'Sidecar egress: invalid namespace',
    yaml: sc(`
      egress: [{hosts: ["Bad_NS/*"]}]`),
    path: 'spec.egress[0].hosts[0]',
    message: 'invalid namespace "Bad_NS"',
  },
  {
    rule: 'Sidecar egress: port-less listener must be last',
    yaml: sc(`
      egress:
      - hosts: ["./*"]
      - {port: {number: 80, protocol: HTTP, name: http}, hosts: ["./*"]}`),
    path: 'spec.egress[0].port',
    message: 'must be the last one',
  },
  {
    rule: 'Sidecar egress: only one port-less listener',
    yaml: sc(`
      egress:
      - {port: {number: 80, protocol: HTTP, name: http}, hosts: ["./*"]}
      - hosts: ["./*"]
      - hosts: ["istio-system/*"]`),
    path: 'spec.egress[2].port',
    message: 'only one egress listener may omit the port',
  },
  {
    rule: 'Sidecar egress: duplicate ports',
    yaml: sc(`
      egress:
      - {port: {number: 80, protocol: HTTP, name: a}, hosts: ["./*"]}
      - {port: {number: 80, protocol: HTTP, name: b}, hosts: ["./*"]}`),
    path: 'spec.egress[1].port.number',
    message: 'port 80 is used by another egress listener',
  },
  {
    rule: 'Sidecar egress: captureMode enum',
    yaml: sc(`
      egress: [{captureMode: TPROXY, hosts: ["./*"]}]`),
    path: 'spec.egress[0].captureMode',
    message: '"TPROXY" is not one of',
  },
  {
    rule: 'Sidecar ingress: port required',
    yaml: sc(`
      ingress: [{defaultEndpoint: "127.0.0.1:8080"}]`),
    path: 'spec.ingress[0].port',
    message: 'ingress listeners need a port',
  },
  {
    rule: 'Sidecar ingress: defaultEndpoint host',
    yaml: sc(`
      ingress: [{port: {number: 80, protocol: HTTP, name: http}, defaultEndpoint: "10.0.0.1:8080"}]`),
    path: 'spec.ingress[0].defaultEndpoint',
    message: 'must be 127.0.0.1:<port>',
  },
  {
    rule: 'Sidecar ingress: defaultEndpoint port',
    yaml: sc(`
      ingress: [{port: {number: 80, protocol: HTTP, name: http}, defaultEndpoint: "127.0.0.1:http"}]`),
    path: 'spec.ingress[0].defaultEndpoint',
    message: 'is not a port number',
  },
  {
    rule: 'Sidecar ingress: duplicate ports',
    yaml: sc(`
      ingress:
      - {port: {number: 80, protocol: HTTP, name: a}}
      - {port: {number: 80, protocol: HTTP, name: b}}`),
    path: 'spec.ingress[1].port.number',
    message: 'port 80 is used by another ingress listener',
  },
  {
    rule: 'Sidecar outboundTrafficPolicy: mode enum',
    yaml: sc(`
      outboundTrafficPolicy: {mode: DENY_ALL}`),
    path: 'spec.outboundTrafficPolicy.mode',
    message: '"DENY_ALL" is not one of',
  },
  {
    rule: 'Sidecar outboundTrafficPolicy: egressProxy needs ALLOW_ANY',
    yaml: sc(`
      outboundTrafficPolicy: {mode: REGISTRY_ONLY, egressProxy: {host: proxy.example.com, port: {number: 3128}}}`),
    path: 'spec.outboundTrafficPolicy.egressProxy',
    message: 'only applies with mode ALLOW_ANY',
  },

  // WorkloadEntry
  {
    rule: 'WE: address required without network',
    yaml: we(`
      labels: {app: a}`),
    path: 'spec.address',
    message: 'address is required',
  },
  {
    rule: 'WE: address malformed',
    yaml: we(`
      address: "not a host"`),
    path: 'spec.address',
    message: 'is not an IP address or a fully qualified host name',
  },
  {
    rule: 'WE: unix address must be absolute',
    yaml: we(`
      address: unix://relative/sock`),
    path: 'spec.address',
    message: 'not an absolute path',
  },
  {
    rule: 'WE: unix endpoint cannot have ports',
    yaml: we(`
      address: unix:///var/run/a.sock
      ports: {http: 8080}`),
    path: 'spec.ports',
    message: 'cannot have ports',
  },
  {
    rule: 'WE: port 0',
    yaml: we(`
      address: 1.2.3.4
      ports: {http: 0}`),
    path: 'spec.ports.http',
    message: 'port 0 is out of range',
  },
  {
    rule: 'WE: port above 65535',
    yaml: we(`
      address: 1.2.3.4
      ports: {http: 65536}`),
    path: 'spec.ports.http',
    message: 'port 65536 is out of range',
  },
  {
    rule: 'WE: port name DNS label',
    yaml: we(`
      address: 1.2.3.4
      ports: {http_1: 80}`),
    path: 'spec.ports.http_1',
    message: 'is not a DNS label',
  },
  {
    rule: 'WE: label key invalid',
    yaml: we(`
      address: 1.2.3.4
      labels: {"-app": a}`),
    path: 'spec.labels["-app"]',
    message: 'label key "-app" is invalid',
  },
  {
    rule: 'WE: label value invalid',
    yaml: we(`
      address: 1.2.3.4
      labels: {app: "a b"}`),
    path: 'spec.labels.app',
    message: 'label value "a b" is invalid',
  },
  {
    rule: 'WE: IPv6 malformed',
    yaml: we(`
      address: "2001:db8:::1"`),
    path: 'spec.address',
    message: 'is not an IP address or a fully qualified host name',
  },
  // Rules checked against Istio's newest pkg/config/validation (validation.go, virtualservice.go).
  {
    rule: 'VS match: JWT claim prefix without a claim',
    yaml: route(`
        match: [{headers: {"@request.auth.claims.": {exact: x}}}]`),
    path: 'spec.http[0].match[0].headers["@request.auth.claims."]',
    message: 'is not a valid header name',
  },
  {
    rule: 'VS match: header name with a space',
    yaml: route(`
        match: [{withoutHeaders: {"x debug": {}}}]`),
    path: 'spec.http[0].match[0].withoutHeaders["x debug"]',
    message: '"x debug" is not a valid header name',
  },
  {
    rule: 'VS cors: allowHeaders entry with a space',
    yaml: route(`
        corsPolicy: {allowHeaders: ["x foo"]}`),
    path: 'spec.http[0].corsPolicy.allowHeaders[0]',
    message: '"x foo" is not a valid header name',
  },
  {
    rule: 'VS headers: format arguments without a comma',
    yaml: route(`
        headers: {request: {set: {x-a: '%UPSTREAM_METADATA(["istio" "x"])%'}}}`),
    path: 'spec.http[0].headers.request.set.x-a',
    message: 'expected ",", "]" or a space',
  },
  {
    rule: 'VS headers: unclosed format variable',
    yaml: route(`
        headers: {response: {add: {x-a: "%START_TIME(%s"}}}`),
    path: 'spec.http[0].headers.response.add.x-a',
    message: 'is not closed',
  },
  {
    rule: 'VS directResponse: status 601',
    yaml: vs(`
      hosts: [r]
      http: [{directResponse: {status: 601}}]`),
    path: 'spec.http[0].directResponse.status',
    message: 'HTTP status 601 is not within 200..600',
  },
  {
    rule: 'VS mirrors: percentage below 0',
    yaml: route(`
        mirrors: [{destination: {host: m}, percentage: {value: -1}}]`),
    path: 'spec.http[0].mirrors[0].percentage.value',
    message: 'percentage -1 is not within 0..100',
  },
  {
    rule: 'VS hosts: AUTO_PASSTHROUGH SNI name without a port',
    yaml: vs(`
      hosts: ["outbound_.http_._.e2e.foobar.mesh"]
      gateways: [ns1/gw]
      tls: [{match: [{sniHosts: ["outbound_.http_._.e2e.foobar.mesh"]}], route: [{destination: {host: e2e.foobar.mesh}}]}]`),
    path: 'spec.hosts[0]',
    message: 'has no port number',
  },
  {
    rule: 'VS hosts: outbound_ names need SNI routes and a gateway',
    yaml: vs(`
      hosts: ["outbound_.80_._.e2e.foobar.mesh"]
      http: [{route: [{destination: {host: r}}]}]`),
    path: 'spec.hosts[0]',
    message: 'is not a DNS label',
  },
  {
    rule: 'DR locality: wildcard region listed first overlaps later ones',
    yaml: dr(`
      host: r
      trafficPolicy:
        outlierDetection: {consecutive5xxErrors: 5}
        loadBalancer:
          localityLbSetting:
            distribute:
            - {from: "us-west/*", to: {"us-west/zone1": 100}}
            - {from: "us-west/zone1", to: {"us-west/zone1": 100}}`),
    path: 'spec.trafficPolicy.loadBalancer.localityLbSetting.distribute',
    message: 'locality "us-west/zone1" overlaps one listed before it',
  },
  {
    rule: 'DR connectionPool: http idleTimeout 0s (only tcp idleTimeout may be 0s)',
    yaml: dr(`
      host: r
      trafficPolicy: {connectionPool: {http: {idleTimeout: 0s}}}`),
    path: 'spec.trafficPolicy.connectionPool.http.idleTimeout',
    message: 'shorter than 1ms',
  },
  {
    rule: 'DR warmup: duration required',
    yaml: dr(`
      host: r
      trafficPolicy: {loadBalancer: {simple: ROUND_ROBIN, warmup: {}}}`),
    path: 'spec.trafficPolicy.loadBalancer.warmup.duration',
    message: 'warmup needs a duration',
  },
  {
    rule: 'DR warmup: minimumPercent at most 100',
    yaml: dr(`
      host: r
      trafficPolicy: {loadBalancer: {warmup: {duration: 10s, minimumPercent: 120}}}`),
    path: 'spec.trafficPolicy.loadBalancer.warmup.minimumPercent',
    message: 'more than 100',
  },
  {
    rule: 'DR warmup: aggression at least 1',
    yaml: dr(`
      host: r
      trafficPolicy: {loadBalancer: {warmup: {duration: 10s, aggression: 0.5}}}`),
    path: 'spec.trafficPolicy.loadBalancer.warmup.aggression',
    message: 'less than 1',
  },
  {
    rule: 'GW tls: ISTIO_MUTUAL with credentialNames',
    yaml: gw(`
      servers: [{port: {number: 443, name: https, protocol: HTTPS}, hosts: ["*"], tls: {mode: ISTIO_MUTUAL, credentialNames: [a]}}]`),
    path: 'spec.servers[0].tls.credentialNames',
    message: 'ISTIO_MUTUAL uses Istio',
  },
  {
    rule: 'GW tls: two certificate sources',
    yaml: gw(`
      servers: [{port: {number: 443, name: https, protocol: HTTPS}, hosts: ["*"], tls: {mode: SIMPLE, credentialName: c, serverCertificate: /c.pem, privateKey: /k.pem}}]`),
    path: 'spec.servers[0].tls',
    message:
      'only one certificate source may be set, found serverCertificate/privateKey and credentialName',
  },
  {
    rule: 'GW tls: MUTUAL with tlsCertificates still needs a CA',
    yaml: gw(`
      servers: [{port: {number: 443, name: https, protocol: HTTPS}, hosts: ["*"], tls: {mode: MUTUAL, tlsCertificates: [{serverCertificate: /c.pem, privateKey: /k.pem}]}}]`),
    path: 'spec.servers[0].tls.caCertificates',
    message: 'MUTUAL TLS needs caCertificates',
  },
  {
    rule: 'GW tls: tlsCertificates entry without a key',
    yaml: gw(`
      servers: [{port: {number: 443, name: https, protocol: HTTPS}, hosts: ["*"], tls: {mode: SIMPLE, tlsCertificates: [{serverCertificate: /c.pem}]}}]`),
    path: 'spec.servers[0].tls.tlsCertificates[0].privateKey',
    message: 'SIMPLE TLS needs privateKey in every tlsCertificates entry',
  },
  {
    rule: 'SE: DNS endpoint without an address',
    yaml: se(`
      hosts: [a.example.com]
      ports: [{number: 80, name: http, protocol: HTTP}]
      resolution: DNS
      endpoints: [{network: n2}]`),
    path: 'spec.endpoints[0].address',
    message: 'address is required for DNS resolution',
  },
  {
    rule: 'Sidecar ingress: tls on a plain HTTP port',
    yaml: sc(`
      ingress: [{port: {number: 8080, name: http, protocol: HTTP}, tls: {mode: SIMPLE, serverCertificate: /c.pem, privateKey: /k.pem}}]`),
    path: 'spec.ingress[0].port.protocol',
    message: 'is not HTTPS or TLS, so the listener cannot have tls settings',
  },
  {
    rule: 'Sidecar ingress: tlsCertificates unsupported',
    yaml: sc(`
      ingress: [{port: {number: 8443, name: https, protocol: HTTPS}, tls: {mode: SIMPLE, tlsCertificates: [{serverCertificate: /c.pem, privateKey: /k.pem}]}}]`),
    path: 'spec.ingress[0].tls.tlsCertificates',
    message: 'tlsCertificates is not supported on sidecar ingress TLS',
  },
];

describe('invalid Istio configs', () => {
  it('covers every kind with at least 8 cases, 90 in all', () => {
    const perKind = new Map<string, number>();
    for (const c of cases) {
      const kind = /kind: (\w+)/.exec(c.yaml)![1]!;
      perKind.set(kind, (perKind.get(kind) ?? 0) + 1);
    }
    expect(cases.length).toBeGreaterThanOrEqual(90);
    expect(perKind.size).toBe(6);
    for (const n of perKind.values()) expect(n).toBeGreaterThanOrEqual(8);
  });

  it.each(cases.map((c) => [c.rule, c] as const))('%s', (_rule, c) => {
    const { resources, diagnostics } = parseResources(c.yaml);
    expect(diagnostics.map(formatDiagnostic)).toEqual([]);
    expect(resources).toHaveLength(1);
    const errors = validateResource(resources[0]!).filter((d) => d.severity === 'error');
    const hit = errors.find((d) => d.path === c.path && d.message.includes(c.message));
    if (!hit)
      throw new Error(
        `no error at ${c.path} containing "${c.message}"; got:\n${errors.map(formatDiagnostic).join('\n')}`,
      );
  });
});
