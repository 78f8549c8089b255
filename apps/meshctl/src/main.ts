// Process entry: the only place that knows about argv, the exit code, signals, and where the
// programs `meshctl up` runs are installed.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { nodeControlPlaneDeps, nodeIo, runMeshctl, type LocalMeshDeps } from '@mesh/cli';

const require = createRequire(import.meta.url);

/** A sibling app's bin, found through its package (a workspace dependency of this app). */
function binOf(pkg: string, bin: string): string {
  return join(dirname(require.resolve(`${pkg}/package.json`)), 'bin', bin);
}

/** Node flags of a bin's `#!/usr/bin/env -S node <flags>` line, to run it as it runs alone. */
function shebangFlags(script: string): string[] {
  const first = readFileSync(script, 'utf8').split('\n', 1)[0] ?? '';
  const m = /^#!\/usr\/bin\/env\s+(?:-S\s+)?node\b(.*)$/.exec(first);
  return m ? m[1]!.trim().split(/\s+/).filter(Boolean) : [];
}

function localMesh(): LocalMeshDeps {
  const proxy = binOf('@mesh/proxy-app', 'mesh-proxy.js');
  return {
    programs: {
      node: process.execPath,
      controlPlane: binOf('@mesh/control-plane-app', 'mesh-control-plane.js'),
      proxy,
      proxyNodeFlags: shebangFlags(proxy),
      bookinfo: binOf('@mesh/bookinfo-app', 'bookinfo.js'),
      // This file is apps/meshctl/dist/main.js; the samples live at the repository's top.
      samples: fileURLToPath(new URL('../../../samples', import.meta.url)),
    },
    controlPlane: nodeControlPlaneDeps(),
    self: [process.execPath, process.argv[1]!],
    colour: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR,
    stopRequested: () =>
      new Promise((resolve) => {
        // Kept for the whole stop: a second Ctrl-C must not kill meshctl halfway through it,
        // which would leave the rest of the mesh running (children get SIGKILL after a grace).
        let asked = false;
        for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const)
          process.on(signal, () => {
            if (!asked) resolve(signal);
            asked = true;
          });
      }),
  };
}

// A closed terminal (SIGHUP, EIO) or a closed pipe must not crash meshctl: `up` still has a mesh
// to stop, and nobody is left to read what it would have printed.
for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);

process.exitCode = await runMeshctl(
  process.argv.slice(2),
  nodeIo(),
  undefined,
  undefined,
  localMesh,
);
