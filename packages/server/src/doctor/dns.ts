import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { failure, type StepOutcome } from './types.js';

/** Step 2: every address the name resolves to (the browser uses the system resolver as well). */
export async function resolveHost(hostname: string): Promise<{ addresses?: string[]; outcome: StepOutcome }> {
  const host = hostname.replace(/^\[|\]$/g, '');
  if (isIP(host)) return { addresses: [host], outcome: { details: [`${host} is an IP address, no lookup`] } };
  try {
    const found = await lookup(host, { all: true });
    const addresses = found.map((a) => a.address);
    return { addresses, outcome: { details: [`${host} → ${addresses.join(', ')}`] } };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown';
    const cause = code === 'ENOTFOUND'
      ? `${host} does not resolve (${code})`
      : `DNS lookup of ${host} failed (${code}): the resolver did not answer`;
    return { outcome: failure('dns_failed', cause, `Check the spelling of the host and its DNS record (dig ${host}); a new record may not have propagated yet.`) };
  }
}
