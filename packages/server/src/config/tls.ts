import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { TlsConfig } from './types.js';

/**
 * `http_server.tls` PEM values in Centrifugo's three forms (configtypes/pem.go): PEM text, a path
 * to a PEM file, or base64 of PEM. Checked when the config loads, so a wrong path or a key that
 * does not match its certificate stops the start with the reason, not the first TLS handshake.
 */

type Pem = { pem: string } | { problem: string };

const PEM_BLOCK = /-----BEGIN [A-Z0-9 ]+-----/;

export function readPem(value: string, cwd: string): Pem {
  if (PEM_BLOCK.test(value)) return { pem: value.replace(/\\n/g, '\n') };
  const path = resolve(cwd, value);
  try {
    const text = readFileSync(path, 'utf8');
    return PEM_BLOCK.test(text) ? { pem: text } : { problem: `${path} holds no PEM block — give a PEM file` };
  } catch (error) {
    const decoded = /^[A-Za-z0-9+/=\s]+$/.test(value) ? Buffer.from(value, 'base64').toString('utf8') : '';
    if (PEM_BLOCK.test(decoded)) return { pem: decoded };
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    return { problem: `cannot read ${path} (${code}), and it is neither PEM text nor base64 PEM — give a PEM file path` };
  }
}

/** The certificate and key to listen with, or every problem found with them. */
export function tlsCredentials(tls: TlsConfig, cwd = process.cwd()): { cert: string; key: string } | { problems: string[] } {
  const problems: string[] = [];
  const read = (name: 'cert_pem' | 'key_pem'): string | undefined => {
    const value = tls[name];
    if (!value) {
      problems.push(`http_server.tls.${name}: required when http_server.tls.enabled is true — give a PEM file path`);
      return undefined;
    }
    const pem = readPem(value, cwd);
    if ('problem' in pem) problems.push(`http_server.tls.${name}: ${pem.problem}`);
    return 'pem' in pem ? pem.pem : undefined;
  };
  const cert = read('cert_pem');
  const key = read('key_pem');
  if (cert === undefined || key === undefined) return { problems };
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(cert);
  } catch (error) {
    return { problems: [`http_server.tls.cert_pem: not a certificate (${(error as Error).message}) — give the "-----BEGIN CERTIFICATE-----" file`] };
  }
  try {
    if (!certificate.checkPrivateKey(createPrivateKey(key))) {
      return { problems: ['http_server.tls.key_pem: does not match the certificate in cert_pem — give the key the certificate was issued for'] };
    }
  } catch (error) {
    return { problems: [`http_server.tls.key_pem: not a private key (${(error as Error).message}) — give the "-----BEGIN PRIVATE KEY-----" file`] };
  }
  return { cert, key };
}
