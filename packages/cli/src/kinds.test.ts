import { InputError } from './inputs.js';
import { kindFromName, parseKind, parseKinds, resourceType } from './kinds.js';

describe('kindFromName', () => {
  it.each([
    [
      'VirtualService',
      'virtualservice',
      'virtualservices',
      'vs',
      'VS',
      'virtualservices.networking.istio.io',
    ],
    ['DestinationRule', 'destinationrule', 'destinationrules', 'dr', 'DestinationRule', 'dr'],
    ['Gateway', 'gateway', 'gateways', 'gw', 'Gateway', 'gateway.networking.istio.io'],
    ['ServiceEntry', 'serviceentry', 'serviceentries', 'se', 'ServiceEntries', 'se'],
    ['Sidecar', 'sidecar', 'sidecars', 'Sidecar', 'SIDECARS', 'sidecar'],
    ['WorkloadEntry', 'workloadentry', 'workloadentries', 'we', 'WorkloadEntry', 'we'],
  ])('%s from its names, case-insensitively', (kind, ...names) => {
    for (const name of names) expect(kindFromName(name)).toBe(kind);
  });

  it('knows nothing else', () => {
    expect(kindFromName('pods')).toBeUndefined();
    expect(kindFromName('envoyfilter')).toBeUndefined();
    expect(kindFromName('vs.example.com')).toBeUndefined();
  });
});

describe('parseKinds', () => {
  it('takes comma lists without repeats, and all', () => {
    expect(parseKinds('vs,dr,virtualservice')).toEqual({
      kinds: ['VirtualService', 'DestinationRule'],
      all: false,
    });
    expect(parseKinds('ALL')).toEqual({
      kinds: [
        'VirtualService',
        'DestinationRule',
        'Gateway',
        'ServiceEntry',
        'Sidecar',
        'WorkloadEntry',
      ],
      all: true,
    });
  });

  it('rejects unknown types with the list of known ones', () => {
    expect(() => parseKinds('vs,pods')).toThrow(
      'unknown resource type "pods"; meshctl serves virtualservices (vs), destinationrules (dr), gateways (gw), serviceentries (se), sidecars, workloadentries (we), or all',
    );
    expect(() => parseKinds('all,vs')).toThrow(InputError);
    expect(() => parseKinds('vs,')).toThrow('empty resource type in "vs,"');
  });
});

describe('parseKind', () => {
  it('wants exactly one type', () => {
    expect(parseKind('dr')).toBe('DestinationRule');
    expect(() => parseKind('vs,dr')).toThrow('a resource name needs exactly one type, got "vs,dr"');
    expect(() => parseKind('all')).toThrow(/"all" is not one type/);
  });
});

describe('resourceType', () => {
  it('prints as kubectl does', () => {
    expect(resourceType('VirtualService')).toBe('virtualservice.networking.istio.io');
  });
});
