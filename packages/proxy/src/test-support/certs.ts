// Certificates for TLS tests, made for the run with the openssl CLI: a CA, and leaf certificates
// it signs with the subject alt names asked for. The caller removes `dir` when done.
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCerts {
  readonly dir: string;
  /** The CA certificate's path. */
  readonly ca: string;
  /** Makes `<name>.crt` and `<name>.key` (CN=name) signed by the CA; returns their paths. */
  leaf(name: string, subjectAltName: string): { cert: string; key: string };
}

export function makeTestCerts(): TestCerts {
  const dir = mkdtempSync(join(tmpdir(), 'mesh-tls-'));
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  openssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '1',
    '-subj',
    '/CN=test-ca',
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
  );
  return {
    dir,
    ca: join(dir, 'ca.crt'),
    leaf(name, subjectAltName) {
      openssl(
        'req',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-subj',
        `/CN=${name}`,
        '-keyout',
        `${name}.key`,
        '-out',
        `${name}.csr`,
        '-addext',
        `subjectAltName=${subjectAltName}`,
      );
      openssl(
        'x509',
        '-req',
        '-in',
        `${name}.csr`,
        '-CA',
        'ca.crt',
        '-CAkey',
        'ca.key',
        '-CAcreateserial',
        '-days',
        '1',
        '-copy_extensions',
        'copy',
        '-out',
        `${name}.crt`,
      );
      return { cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) };
    },
  };
}
