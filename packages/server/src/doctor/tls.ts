import type { Socket } from 'node:net';
import { checkServerIdentity, connect, rootCertificates, type DetailedPeerCertificate, type TLSSocket } from 'node:tls';
import { isIP } from 'node:net';
import { formatDuration } from './token.js';
import { failure, type StepOutcome } from './types.js';

const DAY_MS = 86_400_000;
/** Browsers refuse TLS below 1.2 (RFC 8996 deprecates 1.0 and 1.1). */
const OLD_PROTOCOLS = new Set(['SSLv3', 'TLSv1', 'TLSv1.1']);
const RENEW_WARNING_DAYS = 14;

interface Problem {
  problem: string;
  cause: string;
  fix: string;
}

function chainProblem(code: string, host: string): Problem | undefined {
  switch (code) {
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
      return { problem: 'tls_self_signed', cause: `the certificate of ${host} is self-signed (${code}): browsers refuse it, and a WebSocket gives no click-through`, fix: `Use a certificate from a public CA (e.g. Let's Encrypt: certbot --nginx -d ${host}); for a private CA, install it on every client.` };
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
    case 'UNABLE_TO_GET_ISSUER_CERT':
      return { problem: 'tls_untrusted_chain', cause: `the chain of ${host} does not lead to a trusted root (${code}): an intermediate certificate is missing, or the issuer is not trusted`, fix: 'Serve the full chain (nginx: ssl_certificate fullchain.pem, not cert.pem).' };
    default:
      return code ? { problem: 'tls_untrusted', cause: `certificate verification failed: ${code}`, fix: 'Replace the certificate with one a browser trusts.' } : undefined;
  }
}

function handshake(socket: Socket, servername: string | undefined, ca: string | undefined, timeoutMs: number): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const tls = connect({
      socket,
      ...(servername ? { servername } : {}),
      // Verification is done below, so that every problem is named rather than the first one thrown.
      rejectUnauthorized: false,
      ALPNProtocols: ['http/1.1'],
      ...(ca ? { ca: [...rootCertificates, ca] } : {}),
    });
    const timer = setTimeout(() => {
      tls.destroy();
      reject(Object.assign(new Error('TLS handshake timed out'), { code: 'ETIMEDOUT' }));
    }, timeoutMs);
    tls.once('secureConnect', () => {
      clearTimeout(timer);
      resolve(tls);
    });
    tls.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

/** Step 4: the handshake, the chain, the host name, the dates and the protocol version. */
export async function checkTls(socket: Socket, hostname: string, ca: string | undefined, timeoutMs: number): Promise<{ socket?: TLSSocket; outcome: StepOutcome }> {
  const host = hostname.replace(/^\[|\]$/g, '');
  let tls: TLSSocket;
  try {
    tls = await handshake(socket, isIP(host) ? undefined : host, ca, timeoutMs);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const plain = /wrong version number|packet length too long|http request/i.test(message);
    return {
      outcome: failure(
        'tls_handshake_failed',
        plain ? `the port does not speak TLS (${message}): it is plain HTTP` : `TLS handshake failed: ${message}`,
        plain ? 'Use ws:// for a plain port, or terminate TLS in front of the gateway (nginx listen 443 ssl) and use wss://.' : 'Check the TLS configuration of the server (protocols, ciphers, SNI name).',
      ),
    };
  }
  const cert = tls.getPeerCertificate(true) as DetailedPeerCertificate;
  const protocol = tls.getProtocol() ?? 'unknown';
  const notAfter = new Date(cert.valid_to);
  const notBefore = new Date(cert.valid_from);
  const left = notAfter.getTime() - Date.now();
  const daysLeft = Math.floor(left / DAY_MS);
  const details = [
    `protocol ${protocol}, cipher ${tls.getCipher().name}`,
    `subject ${cert.subject?.CN ?? '?'}, issuer ${cert.issuer?.CN ?? '?'}${cert.subjectaltname ? `, names ${cert.subjectaltname}` : ''}`,
    `valid ${notBefore.toISOString()} → ${notAfter.toISOString()} (${left >= 0 ? `${daysLeft} days left` : `expired ${formatDuration(left)} ago`})`,
  ];

  const problems: Problem[] = [];
  if (notAfter.getTime() < Date.now()) {
    problems.push({ problem: 'tls_expired', cause: `the certificate of ${host} expired on ${notAfter.toISOString()}, ${formatDuration(left)} ago`, fix: 'Renew the certificate (certbot renew) and reload the server; automate renewal.' });
  } else if (notBefore.getTime() > Date.now()) {
    problems.push({ problem: 'tls_not_yet_valid', cause: `the certificate of ${host} is only valid from ${notBefore.toISOString()}`, fix: 'Check the clock of the server that issued it, or wait.' });
  }
  const error = tls.authorizationError ? String((tls.authorizationError as Error & { code?: string }).code ?? tls.authorizationError) : '';
  // Dates and host name are checked separately above and below, with more to say.
  if (error && !['CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID', 'ERR_TLS_CERT_ALTNAME_INVALID'].includes(error)) problems.push(chainProblem(error, host)!);
  const mismatch = checkServerIdentity(host, cert);
  if (mismatch) {
    problems.push({ problem: 'tls_hostname_mismatch', cause: `the certificate is not valid for ${host}: ${mismatch.message}`, fix: `Issue a certificate whose subjectAltName includes ${host}, or connect with the name the certificate carries.` });
  }
  if (OLD_PROTOCOLS.has(protocol)) {
    problems.push({ problem: 'tls_old_protocol', cause: `the server negotiated ${protocol}, which browsers refuse`, fix: 'Enable TLS 1.2 and 1.3 (nginx: ssl_protocols TLSv1.2 TLSv1.3;).' });
  }
  if (problems.length > 0) {
    tls.destroy();
    const [first, ...rest] = problems as [Problem, ...Problem[]];
    return { outcome: failure(first.problem, first.cause, first.fix, [...details, ...rest.map((p) => `also: ${p.cause}`)]) };
  }
  const warnings = daysLeft < RENEW_WARNING_DAYS ? [`certificate expires in ${daysLeft} days`] : [];
  return { socket: tls, outcome: { details, warnings } };
}
