import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const hasOpenssl = spawnSync('openssl', ['version']).status === 0;

export /** Certificates made at test time with the openssl CLI, in a temp dir removed afterwards. */
class TestPki {
  readonly dir = mkdtempSync(join(tmpdir(), 'renum-doctor-pki-'));

  private openssl(args: string[]): void {
    execFileSync('openssl', args, { cwd: this.dir, stdio: 'pipe' });
  }

  private read(name: string): string {
    return readFileSync(join(this.dir, name), 'utf8');
  }

  constructor() {
    this.openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=renum doctor test CA']);
  }

  get ca(): string {
    return this.read('ca.crt');
  }

  /** A leaf signed by the test CA; a negative `days` makes it already expired. */
  leaf(name: string, altNames: string, days: number): { key: string; cert: string } {
    this.openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`]);
    writeFileSync(join(this.dir, `${name}.ext`), `subjectAltName=${altNames}\n`);
    this.openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', String(days), '-extfile', `${name}.ext`, '-out', `${name}.crt`]);
    return { key: this.read(`${name}.key`), cert: this.read(`${name}.crt`) };
  }

  selfSigned(name: string): { key: string; cert: string } {
    this.openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.crt`, '-days', '2', '-subj', `/CN=localhost`, '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1']);
    return { key: this.read(`${name}.key`), cert: this.read(`${name}.crt`) };
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

