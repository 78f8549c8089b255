/* global process, console */
// Regenerates the TypeScript types of proto/mesh/v1 with proto-loader-gen-types, then formats
// them with the workspace's prettier config, so the committed output passes `prettier --check`
// and a test can regenerate into a temp dir and compare byte for byte.
// Usage: node scripts/generate.mjs [outDir]   (default: src/generated)
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as prettier from 'prettier';

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const protoDir = resolve(packageDir, '../../proto');
const committedDir = join(packageDir, 'src/generated');
const outDir = resolve(process.argv[2] ?? committedDir);

// Must match the loader options in src/load.ts, or the types would describe other objects.
const FLAGS = [
  '--longs=String',
  '--enums=String',
  '--defaults',
  '--oneofs',
  '--includeComments',
  '--grpcLib=@grpc/grpc-js',
  '--importFileExtension=.js',
];
export const PROTO_FILES = ['mesh/v1/discovery.proto', 'mesh/v1/config.proto'];

const HEADER =
  '// generated — do not edit. Regenerate with `npm run generate` (packages/proto/scripts/generate.mjs).\n';
// The generator's SubtypeConstructor helper uses `any`; silence that rule only where it occurs.
const ANY_DISABLE = '/* eslint-disable @typescript-eslint/no-explicit-any */\n';

const require = createRequire(import.meta.url);
const cli = join(
  dirname(require.resolve('@grpc/proto-loader/package.json')),
  'build/bin/proto-loader-gen-types.js',
);

rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });
// cwd is the proto root so the "Original file:" lines the generator writes do not depend on
// where the output goes.
execFileSync(process.execPath, [cli, ...FLAGS, '-I', '.', '-O', outDir, ...PROTO_FILES], {
  cwd: protoDir,
  stdio: ['ignore', 'ignore', 'inherit'],
});

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    return statSync(full).isDirectory() ? walk(full) : [full];
  });
}

function header(text) {
  return HEADER + (/\bany\b/.test(text.replace(/\/\*[\s\S]*?\*\//g, '')) ? ANY_DISABLE : '') + text;
}

for (const file of walk(outDir)) {
  const rel = relative(outDir, file);
  // Format as if the file were at its committed place, so the temp copy gets the same config.
  const options = (await prettier.resolveConfig(join(committedDir, rel))) ?? {};
  const text = await prettier.format(header(readFileSync(file, 'utf8')), {
    ...options,
    filepath: join(committedDir, rel),
  });
  writeFileSync(file, text);
}
console.log(`generated ${relative(process.cwd(), outDir) || '.'}`);
