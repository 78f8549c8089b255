// An in-memory CliIo: files by path, captured output, optional stdin.
import type { CliIo, DirEntry } from '../io.js';

export interface MemoryIo extends CliIo {
  out: () => string;
  err: () => string;
}

export function memoryIo(files: Record<string, string> = {}, stdin = ''): MemoryIo {
  let out = '';
  let err = '';
  const isDir = (path: string) => Object.keys(files).some((f) => f.startsWith(`${path}/`));
  return {
    out: () => out,
    err: () => err,
    stdout: (t) => void (out += t),
    stderr: (t) => void (err += t),
    readFile: async (path) => {
      const text = files[path];
      if (text === undefined) throw new Error(`ENOENT: ${path}`);
      return text;
    },
    stat: async (path) =>
      files[path] !== undefined ? 'file' : isDir(path) ? 'directory' : undefined,
    readDir: async (path) => {
      const names = new Map<string, DirEntry>();
      for (const f of Object.keys(files)) {
        if (!f.startsWith(`${path}/`)) continue;
        const [name, ...rest] = f.slice(path.length + 1).split('/');
        names.set(name!, { name: name!, type: rest.length > 0 ? 'directory' : 'file' });
      }
      return [...names.values()];
    },
    readStdin: async () => stdin,
  };
}
