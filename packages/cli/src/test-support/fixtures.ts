// Real temp directories and a node CliIo whose output is captured.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { nodeIo } from '../io.js';
import type { MemoryIo } from './memory-io.js';

const made: string[] = [];

/** Writes `files` (relative path -> content) under a new temp dir and returns its path. */
export function tempTree(files: Record<string, string | Buffer>): string {
  const root = mkdtempSync(join(tmpdir(), 'meshctl-test-'));
  made.push(root);
  for (const [rel, content] of Object.entries(files)) {
    const path = join(root, rel);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
  }
  return root;
}

export function removeTempTrees(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}

export function capturingNodeIo(stdin = ''): MemoryIo {
  let out = '';
  let err = '';
  return {
    ...nodeIo(),
    out: () => out,
    err: () => err,
    stdout: (t) => void (out += t),
    stderr: (t) => void (err += t),
    readStdin: async () => stdin,
  };
}

export function lines(text: string): string[] {
  return text.split('\n').filter((l) => l !== '');
}

export const vs = (name: string, body: string, namespace?: string) =>
  `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: ${name}
${namespace ? `  namespace: ${namespace}\n` : ''}spec:
${body}`;

export const dr = (name: string, host: string, subsets: string[]) =>
  `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: ${name}
spec:
  host: ${host}
  subsets:
${subsets.map((s) => `    - name: ${s}\n      labels:\n        version: ${s}\n`).join('')}`;

export const service = (name: string, namespace?: string) =>
  `apiVersion: v1
kind: Service
metadata:
  name: ${name}
${namespace ? `  namespace: ${namespace}\n` : ''}spec:
  ports:
    - port: 9080
      name: http
`;

/** A VirtualService routing all of `host` to one subset. */
export const routeToSubset = (name: string, host: string, subset: string) =>
  vs(
    name,
    `  hosts:\n    - ${host}\n  http:\n    - route:\n        - destination:\n            host: ${host}\n            subset: ${subset}\n`,
  );
