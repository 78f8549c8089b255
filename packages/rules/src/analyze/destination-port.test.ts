import { doc, findings } from './test-support/findings.js';

const vsTo = (dest: string, more = '') =>
  doc(
    'VirtualService',
    'name: front',
    `{ hosts: [front], http: [{ route: [{ destination: ${dest} }]${more} }] }`,
  );
const se = (ports: number[], meta = 'name: api', hosts = '[api.example.com]') =>
  doc(
    'ServiceEntry',
    meta,
    `{ hosts: ${hosts}, resolution: DNS, ports: [${ports
      .map((p) => `{ number: ${p}, name: p${p}, protocol: HTTP }`)
      .join(', ')}] }`,
  );
const route = 'spec.http[0].route[0].destination';

describe('MESH-A0016 destination port not declared by the ServiceEntry', () => {
  const CODE = 'MESH-A0016';
  it.each([
    {
      rule: 'port the ServiceEntry does not declare',
      yaml: vsTo('{ host: api.example.com, port: { number: 8080 } }') + se([80, 443]),
      known: [],
      want: [`error ${CODE} VirtualService default/front ${route}.port.number`],
    },
    {
      rule: 'declared port',
      yaml: vsTo('{ host: api.example.com, port: { number: 443 } }') + se([80, 443]),
      known: [],
      want: [],
    },
    {
      rule: 'mirror port checked too; wildcard ServiceEntry hosts count',
      yaml:
        vsTo(
          '{ host: api.example.com, port: { number: 80 } }',
          ', mirror: { host: api.example.com, port: { number: 81 } }',
        ) + se([80], 'name: api', '["*.example.com"]'),
      known: [],
      want: [`error ${CODE} VirtualService default/front spec.http[0].mirror.port.number`],
    },
    {
      rule: 'host also a known Kubernetes Service: its ports are unknown, so no finding',
      yaml: vsTo('{ host: api.example.com, port: { number: 8080 } }') + se([80]),
      known: ['api.example.com'],
      want: [],
    },
  ])('$rule', ({ yaml, known, want }) => {
    expect(findings(CODE, yaml, known)).toEqual(want);
  });
});

describe('MESH-A0017 destination without port when the ServiceEntry has several', () => {
  const CODE = 'MESH-A0017';
  it.each([
    {
      rule: 'two ports, none chosen',
      yaml: vsTo('{ host: api.example.com }') + se([80, 443]),
      want: [`error ${CODE} VirtualService default/front ${route}`],
    },
    {
      rule: 'one port: no port needed',
      yaml: vsTo('{ host: api.example.com }') + se([80]),
      want: [],
    },
    {
      rule: 'port chosen',
      yaml: vsTo('{ host: api.example.com, port: { number: 80 } }') + se([80, 443]),
      want: [],
    },
    {
      rule: 'ServiceEntry not exported to the VirtualService namespace is not consulted',
      yaml:
        vsTo('{ host: api.example.com }') +
        doc(
          'ServiceEntry',
          'name: api, namespace: ext',
          '{ hosts: [api.example.com], exportTo: ["."], ports: [{ number: 80, name: a, protocol: HTTP }, { number: 81, name: b, protocol: HTTP }] }',
        ),
      want: [],
    },
  ])('$rule', ({ yaml, want }) => {
    expect(findings(CODE, yaml)).toEqual(want);
  });
});
