// Test helper: YAML in, one line per finding of a given code out, so tables stay readable.
import type { Diagnostic } from '../../diagnostics.js';
import { parseResources } from '../../parse.js';
import { analyze } from '../index.js';

export function analyzeYaml(yaml: string, knownHosts: readonly string[] = []): Diagnostic[] {
  const { resources, diagnostics } = parseResources(yaml);
  if (diagnostics.length > 0) {
    throw new Error(
      `fixture does not parse: ${diagnostics.map((d) => `${d.path}: ${d.message}`).join('; ')}`,
    );
  }
  return analyze(resources, { knownHosts });
}

/** `<severity> <code> <Kind> <ns>/<name> <path>` for each finding with this code. */
export function findings(code: string, yaml: string, knownHosts: readonly string[] = []): string[] {
  return analyzeYaml(yaml, knownHosts)
    .filter((d) => d.code === code)
    .map((d) => `${d.severity} ${d.code} ${d.kind} ${d.namespace}/${d.name} ${d.path}`);
}

/** A resource document; `meta` is a flow mapping body such as `name: r, namespace: shop`. */
export function doc(kind: string, meta: string, spec: string): string {
  return `---\napiVersion: networking.istio.io/v1\nkind: ${kind}\nmetadata: { ${meta} }\nspec: ${spec}\n`;
}
