// Node flags a script's `#!/usr/bin/env -S node <flags>` line asks for, so tests and benchmarks
// that start it with `node <script>` (to add flags of their own) run it as it runs when executed.
import { readFileSync } from 'node:fs';

export function shebangNodeFlags(script: string): string[] {
  const first = readFileSync(script, 'utf8').split('\n', 1)[0] ?? '';
  const m = /^#!\/usr\/bin\/env\s+(?:-S\s+)?node\b(.*)$/.exec(first);
  return m ? m[1]!.trim().split(/\s+/).filter(Boolean) : [];
}
