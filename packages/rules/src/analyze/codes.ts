// One row per finding: the code is what users grep for and suppress, so it never changes meaning.
// Severities follow istioctl analyze where it has an equivalent (see docs/errors.md for sources).
import type { Severity } from '../diagnostics.js';

export const FINDINGS = {
  'MESH-A0001': { severity: 'error', title: 'destination subset not defined' },
  'MESH-A0002': { severity: 'error', title: 'destination host not found' },
  'MESH-A0003': { severity: 'warning', title: 'http route unreachable after a catch-all route' },
  'MESH-A0004': { severity: 'warning', title: 'http match block duplicates an earlier one' },
  'MESH-A0005': {
    severity: 'error',
    title: 'several VirtualServices for one host on the mesh gateway',
  },
  'MESH-A0006': {
    severity: 'info',
    title: 'several VirtualServices for one host on one gateway (merged)',
  },
  'MESH-A0007': { severity: 'warning', title: 'DestinationRule host not found and not routed to' },
  'MESH-A0008': { severity: 'error', title: 'referenced Gateway not found' },
  'MESH-A0009': { severity: 'warning', title: 'VirtualService host not exposed by its Gateway' },
  'MESH-A0010': { severity: 'warning', title: 'several DestinationRules for one host' },
  'MESH-A0011': { severity: 'error', title: 'delegate VirtualService not found' },
  'MESH-A0012': { severity: 'error', title: 'delegate VirtualService has hosts' },
  'MESH-A0013': { severity: 'warning', title: 'resource defined more than once in the input' },
  'MESH-A0014': {
    severity: 'warning',
    title: 'http route unreachable: earlier match blocks cover all of its own',
  },
  'MESH-A0015': {
    severity: 'error',
    title: 'delegate VirtualService not exported to the root namespace',
  },
  'MESH-A0016': { severity: 'error', title: 'destination port not declared by the ServiceEntry' },
  'MESH-A0017': {
    severity: 'error',
    title: 'destination port required: the ServiceEntry has several ports',
  },
  'MESH-A0018': {
    severity: 'info',
    title: 'DestinationRule ISTIO_MUTUAL: plaintext between sidecars in this mesh',
  },
  'MESH-A0019': {
    severity: 'warning',
    title: 'DestinationRule tls.credentialName: no secret store in this mesh',
  },
  'MESH-A0020': {
    severity: 'warning',
    title: 'Gateway TLS or HTTPS server this mesh cannot serve',
  },
  // Live mesh only (analyze with a registry): judged against the registered workloads.
  'MESH-A0021': {
    severity: 'error',
    title: 'route to a subset that selects no registered endpoint',
  },
  'MESH-A0022': { severity: 'warning', title: 'workload selector matches no registered workload' },
  'MESH-A0023': { severity: 'warning', title: 'VirtualService not served by its Gateway' },
  'MESH-A0024': {
    severity: 'error',
    title: 'destination port not served by the registered workloads',
  },
  'MESH-A0025': {
    severity: 'error',
    title: 'destination port required: the registered workloads serve several ports',
  },
} as const satisfies Record<string, { severity: Severity; title: string }>;

export type FindingCode = keyof typeof FINDINGS;
