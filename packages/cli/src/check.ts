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
    parseDiagnostics.push(...parsed.diagnostics);
    for (const resource of parsed.resources) {
      resources.push({ resource, diagnostics: validateResource(resource) });
    }
  }
  return { files, resources, parseDiagnostics };
}
