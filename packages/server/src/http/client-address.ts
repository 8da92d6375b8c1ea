import { BlockList, isIP } from 'node:net';
import type { IncomingMessage } from 'node:http';

/** `::ffff:203.0.113.7` (an IPv4 peer on a dual-stack socket) is the IPv4 address it carries. */
function plain(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped ? mapped[1]! : address;
}

function family(address: string): 'ipv4' | 'ipv6' | undefined {
  const version = isIP(address);
  return version === 4 ? 'ipv4' : version === 6 ? 'ipv6' : undefined;
}

/** Why one `http_server.trusted_proxies` entry is not an address or a CIDR range, or undefined. */
export function trustedProxyProblem(entry: string): string | undefined {
  const [address = '', prefix, ...extra] = entry.split('/');
  const kind = family(address);
  const bits = kind === 'ipv4' ? 32 : 128;
  const prefixOk = prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= bits);
  if (kind && prefixOk && extra.length === 0) return undefined;
  return `not an IP address or CIDR range — write e.g. "10.0.0.1", "10.0.0.0/8" or "fd00::/8"${kind && !prefixOk ? ` (an ${kind} prefix is 0 to ${bits})` : ''}`;
}

/**
 * The address of the client behind a request, for rate limits, lockouts and log lines. The socket
 * peer, unless it is one of `http_server.trusted_proxies`: then the right-most X-Forwarded-For
 * entry that is not a trusted proxy, since every entry left of the first untrusted hop may have
 * been written by the client itself (the left-most one always can be).
 */
export class ClientAddresses {
  private readonly trusted = new BlockList();
  /** BlockList.check builds a SocketAddress per call: with no proxy to trust, every connect skips it. */
  private readonly trustsNone: boolean;

  constructor(trustedProxies: readonly string[]) {
    this.trustsNone = trustedProxies.length === 0;
    for (const entry of trustedProxies) {
      const [address, prefix] = entry.split('/') as [string, string | undefined];
      const kind = family(address)!;
      if (prefix === undefined) this.trusted.addAddress(address, kind);
      else this.trusted.addSubnet(address, Number(prefix), kind);
    }
  }

  of(peer: string | undefined, forwardedFor: string | readonly string[] | undefined): string | undefined {
    if (peer === undefined) return undefined;
    let client = plain(peer);
    if (this.trustsNone || forwardedFor === undefined || !this.isTrusted(client)) return client;
    const hops = (typeof forwardedFor === 'string' ? [forwardedFor] : forwardedFor).join(',').split(',').map((hop) => plain(hop.trim()));
    for (const hop of hops.reverse()) {
      // A hop that is no address cannot be named: the last proxy that forwarded it stands for it.
      if (!family(hop)) return client;
      client = hop;
      if (!this.isTrusted(hop)) return client;
    }
    return client;
  }

  ofRequest(req: IncomingMessage): string | undefined {
    return this.of(req.socket.remoteAddress, req.headers['x-forwarded-for']);
  }

  private isTrusted(address: string): boolean {
    const kind = family(address);
    return kind !== undefined && this.trusted.check(address, kind);
  }
}
