import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repo } from './processes.js';
import { shebangNodeFlags } from './shebang.js';

describe('shebangNodeFlags', () => {
  const dir = mkdtempSync(join(tmpdir(), 'shebang-'));
  const script = (first: string) => {
    const file = join(dir, `s${Math.random()}.js`);
    writeFileSync(file, `${first}\nconsole.log(1);\n`);
    return file;
  };

  it('reads the flags of an env -S node line', () => {
    expect(shebangNodeFlags(script('#!/usr/bin/env -S node --a=1  --b'))).toEqual(['--a=1', '--b']);
  });

  it('gives none for a plain node line or no shebang', () => {
    expect(shebangNodeFlags(script('#!/usr/bin/env node'))).toEqual([]);
    expect(shebangNodeFlags(script('// no shebang'))).toEqual([]);
  });

  it("finds mesh-proxy's young-generation cap", () => {
    expect(shebangNodeFlags(join(repo, 'apps/proxy/bin/mesh-proxy.js'))).toContain(
      '--max-semi-space-size=1',
    );
  });
});
