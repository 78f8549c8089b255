// A self-signed certificate for one host, made for the run with the openssl CLI, for tests that
// put TLS in front of a gateway or a backend.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface SelfSigned {
  readonly crt: string;
  readonly key: string;
  remove(): void;
}

export function selfSignedCert(host: string): SelfSigned {
  const dir = mkdtempSync(join(tmpdir(), 'mesh-e2e-tls-'));
  const crt = join(dir, 'tls.crt');
  const key = join(dir, 'tls.key');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      `/CN=${host}`,
      '-addext',
      `subjectAltName=DNS:${host}`,
      '-keyout',
      key,
      '-out',
      crt,
    ],
    { stdio: 'pipe' },
  );
  return { crt, key, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
