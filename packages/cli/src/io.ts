// Everything meshctl touches outside itself goes through CliIo, so commands run in tests without
// a process, a terminal or a real file system.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

export type EntryType = 'file' | 'directory' | 'other';

export interface DirEntry {
  name: string;
  type: EntryType;
}

export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Text of a file; rejects with a message naming the file when it cannot be read. */
  readFile(path: string): Promise<string>;
  /** `undefined` when nothing exists at the path. */
  stat(path: string): Promise<EntryType | undefined>;
  readDir(path: string): Promise<DirEntry[]>;
  readStdin(): Promise<string>;
}

/** The real thing: node:fs and the process's standard streams. */
export function nodeIo(): CliIo {
  return {
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => void process.stderr.write(text),
    readFile: async (path) => readFileSync(path, 'utf8'),
    stat: async (path) => {
      const s = statSync(path, { throwIfNoEntry: false });
      if (!s) return undefined;
      return s.isDirectory() ? 'directory' : s.isFile() ? 'file' : 'other';
    },
    readDir: async (path) =>
      readdirSync(path, { withFileTypes: true }).map((d) => ({
        name: d.name,
        // Symlinked directories are not followed (a link to an ancestor would never end), but
        // symlinked files are read like any other file.
        type: d.isDirectory()
          ? 'directory'
          : d.isFile() || isLinkToFile(join(path, d.name), d.isSymbolicLink())
            ? 'file'
            : 'other',
      })),
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk as Buffer));
      return Buffer.concat(chunks).toString('utf8');
    },
  };
}

function isLinkToFile(path: string, isLink: boolean): boolean {
  return isLink && (statSync(path, { throwIfNoEntry: false })?.isFile() ?? false);
}
