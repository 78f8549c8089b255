// Persistence of the MemoryStore: one JSON snapshot, replaced atomically (write a temp file,
// fsync, rename), so a crash leaves either the old or the new snapshot, never a torn one.
import { mkdirSync, readFileSync } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { KeyValue } from './types.js';

export interface Snapshot {
  revision: number;
  items: KeyValue[];
}

const FILE = 'store.json';
const FORMAT = 1;

/** Reads the snapshot in `dir` (creating the dir); undefined when there is none yet. */
export function readSnapshot(dir: string): Snapshot | undefined {
  mkdirSync(dir, { recursive: true });
  let text: string;
  try {
    text = readFileSync(join(dir, FILE), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const data = JSON.parse(text) as { format?: unknown; revision?: unknown; items?: unknown };
  if (data.format !== FORMAT || typeof data.revision !== 'number' || !Array.isArray(data.items)) {
    throw new Error(`${join(dir, FILE)} is not a mesh store snapshot (format ${FORMAT})`);
  }
  return { revision: data.revision, items: data.items as KeyValue[] };
}

export async function writeSnapshot(dir: string, snapshot: Snapshot): Promise<void> {
  const target = join(dir, FILE);
  const temp = `${target}.${process.pid}.tmp`;
  const file = await open(temp, 'w');
  try {
    await file.writeFile(JSON.stringify({ format: FORMAT, ...snapshot }));
    await file.sync();
  } finally {
    await file.close();
  }
  try {
    await rename(temp, target);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}
