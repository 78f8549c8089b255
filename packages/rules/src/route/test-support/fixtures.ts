// Test helpers: YAML in, compiled config out (parse diagnostics fail the test loudly).
import { compile } from '../../compile/compile.js';
import type { CompileOptions, CompiledConfig } from '../../compile/types.js';
import { parseResources } from '../../parse.js';
import type { Resource } from '../../api/index.js';
import { formatDiagnostic } from '../../diagnostics.js';

export function resourcesOf(yaml: string): Resource[] {
  const { resources, diagnostics } = parseResources(yaml);
  if (diagnostics.length > 0) throw new Error(diagnostics.map(formatDiagnostic).join('\n'));
  return resources;
}

export function compileYaml(yaml: string, options?: CompileOptions): CompiledConfig {
  return compile(resourcesOf(yaml), options);
}

/** A VirtualService document; `spec` is YAML indented by two spaces under `spec:`. */
export function vs(name: string, spec: string, namespace = 'default'): string {
  return `---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: ${name}, namespace: ${namespace} }
spec:
${indent(spec)}
`;
}

export function dr(name: string, spec: string, namespace = 'default'): string {
  return `---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: ${name}, namespace: ${namespace} }
spec:
${indent(spec)}
`;
}

export function se(name: string, spec: string, namespace = 'default'): string {
  return `---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: ${name}, namespace: ${namespace} }
spec:
${indent(spec)}
`;
}

function indent(text: string): string {
  const lines = text.replace(/^\n+|\s+$/g, '').split('\n');
  const pad = Math.min(
    ...lines.filter((l) => l.trim()).map((l) => l.length - l.trimStart().length),
  );
  return lines.map((l) => `  ${l.slice(pad)}`).join('\n');
}

export const REVIEWS = 'reviews.default.svc.cluster.local';
export const REVIEWS_SERVICE = {
  host: REVIEWS,
  namespace: 'default',
  ports: [{ number: 9080, protocol: 'HTTP', name: 'http' }],
};
