// The bearer token sent to the control plane. Order as kubectl's: the flag beats the
// environment beats the file a local control plane leaves behind.
import { join } from 'node:path';
import type { CliIo } from './io.js';

export type Env = Readonly<Record<string, string | undefined>>;

export type TokenSource = 'flag' | 'env' | 'file';

export interface ResolvedToken {
  token: string;
  source: TokenSource;
}

/** `$MESH_HOME`, else `~/.mesh`: where a local control plane writes its state and token. */
export function meshHome(env: Env, homeDir: string): string {
  return env.MESH_HOME ? env.MESH_HOME : join(homeDir, '.mesh');
}

/**
 * `--token`, else `MESH_TOKEN`, else `$MESH_HOME/token`; undefined when none is set, since reads
 * may be allowed without one and the server is the judge. An unreadable file counts as absent:
 * most users never run a local control plane.
 */
export async function resolveToken(
  flag: string | undefined,
  env: Env,
  homeDir: string,
  io: Pick<CliIo, 'readFile'>,
): Promise<ResolvedToken | undefined> {
  if (flag !== undefined && flag.trim() !== '') return { token: flag.trim(), source: 'flag' };
  const fromEnv = env.MESH_TOKEN?.trim();
  if (fromEnv) return { token: fromEnv, source: 'env' };
  let text: string;
  try {
    text = await io.readFile(join(meshHome(env, homeDir), 'token'));
  } catch {
    return undefined;
  }
  // Editors and `echo token > file` add a newline that is no part of the token.
  const fromFile = text.trim();
  return fromFile ? { token: fromFile, source: 'file' } : undefined;
}
