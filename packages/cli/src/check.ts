// Shared front half of validate and analyze: read inputs, parse, validate each resource.
import { parseResources, validateResource, type Diagnostic, type Resource } from '@mesh/rules';
import type { CliIo } from './io.js';
import { loadInputs, type InputFile } from './inputs.js';
import type { CommonOptions } from './options.js';

export interface Checked {
  files: InputFile[];
  /** Structurally valid resources, each with its own validation diagnostics. */
  resources: { resource: Resource; diagnostics: Diagnostic[] }[];
  /** Parse diagnostics: documents that never became resources, skipped objects. */
  parseDiagnostics: Diagnostic[];
}

export async function checkInputs(options: CommonOptions, io: CliIo): Promise<Checked> {
  const files = await loadInputs(options.filenames, options.exclude ?? [], io);
  const resources: Checked['resources'] = [];
  const parseDiagnostics: Diagnostic[] = [];
  for (const file of files) {
    const parsed = parseResources(file.text, {
      file: file.name,
      ...(options.namespace !== undefined && { defaultNamespace: options.namespace }),
    });
    parseDiagnostics.push(...parsed.diagnostics.map((d) => withTemplateHint(d, file.text)));
    for (const resource of parsed.resources) {
      resources.push({ resource, diagnostics: validateResource(resource) });
    }
  }
  return { files, resources, parseDiagnostics };
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
