/* global console */
// Copies the repository's proto/ into dist/proto, so the built package finds its .proto files
// even where the repository's proto/ directory is not shipped (a container image of the app).
import { cpSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const from = resolve(packageDir, '../../proto');
const to = join(packageDir, 'dist/proto');
rmSync(to, { recursive: true, force: true });
cpSync(from, to, { recursive: true, filter: (src) => !src.endsWith('.md') });
console.log(`copied ${from} -> ${to}`);
