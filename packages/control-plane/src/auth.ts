// Mutating config calls need a bearer token. In local mode the control plane makes one on first
// start and leaves it where meshctl looks ($MESH_HOME/token); a shared deployment passes one in
// a file, as a Kubernetes secret would be mounted.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import * as grpc from '@grpc/grpc-js';

export const TOKEN_FILE_NAME = 'token';

/** meshctl and the control plane agree on this directory: $MESH_HOME, else ~/.mesh. */
export function meshHome(env: NodeJS.ProcessEnv = process.env): string {
  return env['MESH_HOME'] || join(homedir(), '.mesh');
}

export function localTokenFile(env: NodeJS.ProcessEnv = process.env): string {
  return join(meshHome(env), TOKEN_FILE_NAME);
}

export interface TokenSource {
  /** A file holding the token (--token-file). */
  tokenFile?: string;
  /** Local mode: create the token file if missing. */
  createIfMissing: boolean;
}

export interface LoadedToken {
  token: string;
  file: string;
  created: boolean;
}

export function loadToken(source: TokenSource): LoadedToken {
  const file = source.tokenFile ?? localTokenFile();
  if (existsSync(file)) {
    const token = readFileSync(file, 'utf8').trim();
    if (!token) throw new Error(`token file ${file} is empty`);
    return { token, file, created: false };
  }
  if (!source.createIfMissing || source.tokenFile) {
    throw new Error(`token file ${file} does not exist`);
  }
  const token = randomBytes(32).toString('base64url');
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, `${token}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  return { token, file, created: true };
}

/** Checks `authorization: Bearer <token>`; returns the status to fail with, or undefined. */
export function bearerAuthorizer(
  token: string,
): (metadata: grpc.Metadata) => Partial<grpc.StatusObject> | undefined {
  const expected = Buffer.from(token);
  return (metadata) => {
    const header = metadata.get('authorization')[0];
    const text = typeof header === 'string' ? header : header?.toString('utf8');
    if (!text) {
      return {
        code: grpc.status.UNAUTHENTICATED,
        details:
          'unauthenticated: this call changes config and needs a bearer token (authorization: Bearer <token>)',
      };
    }
    const given = Buffer.from(text.replace(/^Bearer\s+/i, ''));
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      return {
        code: grpc.status.UNAUTHENTICATED,
        details: 'unauthenticated: the bearer token is wrong',
      };
    }
    return undefined;
  };
}
