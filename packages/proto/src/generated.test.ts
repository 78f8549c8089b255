// The committed generated types must be exactly what the generator makes from the .proto files
// today; otherwise the codecs would type-check against a contract the loader no longer loads.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

const packageDir = join(__dirname, '..');
const committed = join(packageDir, 'src/generated');

function files(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const full = join(d, name);
      if (statSync(full).isDirectory()) walk(full);
      else out.set(relative(dir, full), readFileSync(full, 'utf8'));
    }
  };
  walk(dir);
  return out;
}

describe('generated code', () => {
  let tmp = '';
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('matches a fresh run of `npm run generate`', () => {
    tmp = mkdtempSync(join(tmpdir(), 'mesh-proto-gen-'));
    execFileSync(process.execPath, [join(packageDir, 'scripts/generate.mjs'), tmp], {
      cwd: packageDir,
      stdio: 'pipe',
    });
    const fresh = files(tmp);
    const current = files(committed);
    expect([...current.keys()].sort()).toEqual([...fresh.keys()].sort());
    for (const [name, text] of fresh) {
      // toBe on each file names the file that drifted in the failure.
      expect({ name, text: current.get(name) }).toEqual({ name, text });
    }
  }, 60_000);

  it('carries the do-not-edit header', () => {
    for (const [name, text] of files(committed)) {
      expect({ name, header: text.startsWith('// generated — do not edit') }).toEqual({
        name,
        header: true,
      });
    }
  });
});
