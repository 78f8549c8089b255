// Shared front half of validate and analyze: read inputs, parse, validate each resource.
import {
  parseResources,
  validatePartial,
  validateResource,
  type Diagnostic,
  type Resource,
  type SkippedObject,
} from '@mesh/rules';
import type { CliIo } from './io.js';
import { loadInputs, type InputFile } from './inputs.js';
import type { CommonOptions } from './options.js';

export interface Checked {
  files: InputFile[];
  /** Structurally valid resources, each with its own validation diagnostics. */
  resources: { resource: Resource; diagnostics: Diagnostic[] }[];
  /**
   * Parse diagnostics: documents that never became resources, skipped objects, and the semantic
   * findings on the valid rest of resources whose spec failed structural checks.
   */
  parseDiagnostics: Diagnostic[];
  /** Objects of kinds mesh does not type (Kubernetes Services among them). */
  skipped: SkippedObject[];
}

export async function checkInputs(options: CommonOptions, io: CliIo): Promise<Checked> {
  const files = await loadInputs(options.filenames, options.exclude ?? [], io);
  const resources: Checked['resources'] = [];
  const parseDiagnostics: Diagnostic[] = [];
  const skipped: SkippedObject[] = [];
  for (const file of files) {
    const parsed = parseResources(file.text, {
      file: file.name,
      ...(options.namespace !== undefined && { defaultNamespace: options.namespace }),
    });
    parseDiagnostics.push(...parsed.diagnostics.map((d) => withTemplateHint(d, file.text)));
    for (const partial of parsed.partials) {
      parseDiagnostics.push(...validatePartial(partial, parsed.diagnostics));
    }
    skipped.push(...parsed.skipped);
    for (const resource of parsed.resources) {
      resources.push({ resource, diagnostics: validateResource(resource) });
    }
  }
  return { files, resources, parseDiagnostics, skipped };
}

/** Marks of Helm and Go templates, which are not YAML until rendered. */
const TEMPLATE = /\{\{[^\n]*\}\}/;
export const TEMPLATE_HINT =
  'the file looks like a Helm or Go template ({{ ... }}): render it first, e.g. helm template CHART | meshctl validate -f -';

/** A YAML syntax error in a template says why, instead of leaving the user to guess. */
function withTemplateHint(d: Diagnostic, text: string): Diagnostic {
  if (d.kind !== 'Document' || !d.message.startsWith('yaml: ') || !TEMPLATE.test(text)) return d;
  return { ...d, message: `${d.message}; ${TEMPLATE_HINT}` };
}
