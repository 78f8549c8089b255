// Configs Istio accepts, among them those of Istio's own Bookinfo and traffic-management tasks,
// must validate without a single error.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseResources } from '../parse.js';
import { formatDiagnostic } from '../diagnostics.js';
import { validateResource } from './index.js';

const dir = join(__dirname, 'fixtures', 'valid');
const documents = readdirSync(dir)
  .filter((f) => f.endsWith('.yaml'))
  .flatMap((file) => {
    const { resources, diagnostics } = parseResources(readFileSync(join(dir, file), 'utf8'), {
      file,
    });
    if (diagnostics.length > 0)
      throw new Error(`${file} does not parse: ${diagnostics.map(formatDiagnostic).join('; ')}`);
    return resources.map((r) => [`${file}: ${r.kind} ${r.metadata.name}`, r] as const);
  });

describe('valid Istio configs', () => {
  it('has at least 30 documents across all six kinds and three apiVersions', () => {
    expect(documents.length).toBeGreaterThanOrEqual(30);
    expect(new Set(documents.map(([, r]) => r.kind)).size).toBe(6);
    expect(new Set(documents.map(([, r]) => r.apiVersion)).size).toBe(3);
  });

  it.each(documents)('%s has no errors', (_name, resource) => {
    const errors = validateResource(resource).filter((d) => d.severity === 'error');
    expect(errors.map(formatDiagnostic)).toEqual([]);
  });
});
