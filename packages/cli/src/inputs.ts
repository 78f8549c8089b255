// Turns the -f arguments into the list of texts to check, in a stable order.
import { join } from 'node:path';
import type { CliIo } from './io.js';
import { compileExcludes } from './exclude.js';

export interface InputFile {
  /** As shown to the user: the path as given, joined with the names found under a directory. */
  name: string;
  text: string;
}

export const STDIN = '-';
export const STDIN_NAME = '<stdin>';
const CONFIG_EXTENSIONS = ['.yaml', '.yml', '.json'];

/**
 * Directories never walked into: dependencies and tool state (`.git`, `.github`, `.vscode`...),
 * whose YAML is not the user's mesh config. Name such a directory with -f to read it anyway.
 */
export function isSkippedDirectory(name: string): boolean {
  return name === 'node_modules' || (name.startsWith('.') && name !== '.' && name !== '..');
}

/** A problem with the command line itself (a path that does not exist), reported as usage. */
export class InputError extends Error {}

/**
 * Files named explicitly are read whatever their extension; directories are walked recursively
 * for .yaml/.yml/.json files in code-point order so output is the same on every machine.
 */
export async function loadInputs(
  paths: readonly string[],
  excludes: readonly string[],
  io: CliIo,
): Promise<InputFile[]> {
  const excluded = compileExcludes(excludes);
  const names: string[] = [];
  for (const path of paths) {
    if (path === STDIN) {
      names.push(STDIN);
      continue;
    }
    const type = await attempt(path, () => io.stat(path));
    if (type === undefined) throw new InputError(`${path}: no such file or directory`);
    if (type === 'directory') {
      const found = await walk(path, '', excluded, io);
      // Like `kubectl apply -f` ("no objects passed"): checking nothing must not look like a pass.
      if (found.length === 0)
        throw new InputError(
          `${path}: no .yaml, .yml or .json files in this directory (node_modules, dot-directories and --exclude matches are not walked)`,
        );
      names.push(...found);
    } else names.push(path);
  }
  const files: InputFile[] = [];
  let stdinRead = false;
  for (const name of names) {
    if (name === STDIN) {
      // Standard input can only be consumed once; `-f - -f -` means the same stream.
      if (stdinRead) continue;
      stdinRead = true;
      files.push({ name: STDIN_NAME, text: await io.readStdin() });
      continue;
    }
    files.push({ name, text: await attempt(name, () => io.readFile(name)) });
  }
  return files;
}

async function walk(
  root: string,
  relative: string,
  excluded: (rel: string) => boolean,
  io: CliIo,
): Promise<string[]> {
  const dir = relative ? join(root, relative) : root;
  const entries = (await attempt(dir, () => io.readDir(dir))).sort((a, b) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
  );
  const found: string[] = [];
  for (const entry of entries) {
    const rel = relative ? `${relative}/${entry.name}` : entry.name;
    if (excluded(rel)) continue;
    if (entry.type === 'directory') {
      if (!isSkippedDirectory(entry.name)) found.push(...(await walk(root, rel, excluded, io)));
    } else if (
      entry.type === 'file' &&
      CONFIG_EXTENSIONS.some((ext) => entry.name.toLowerCase().endsWith(ext))
    ) {
      found.push(join(root, rel));
    }
  }
  return found;
}

/** File-system failures on a path the user gave (permissions, races) are their input's problem. */
async function attempt<T>(path: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    throw new InputError(
      `${path}: cannot read: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}
