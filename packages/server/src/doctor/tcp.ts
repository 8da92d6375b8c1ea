import { connect, type Socket } from 'node:net';
import { failure, type StepOutcome } from './types.js';

const CAUSES: Record<string, (target: string) => { cause: string; fix: string }> = {
  ECONNREFUSED: (t) => ({ cause: `${t} refused the connection: nothing listens on that port`, fix: 'Start the gateway, or fix the port; behind a proxy, check that the proxy listens there and forwards to the gateway.' }),
  ETIMEDOUT: (t) => ({ cause: `no answer from ${t}: a firewall or security group drops the packets, or the host is down`, fix: 'Open the port in the firewall / security group, and check the host is up.' }),
  ECONNRESET: (t) => ({ cause: `${t} reset the connection right away`, fix: 'Something in front of the gateway (firewall, load balancer) rejects the connection; check its rules and the port it forwards.' }),
  EHOSTUNREACH: (t) => ({ cause: `no route to ${t}`, fix: 'Check the network route / VPN to this host.' }),
  ENETUNREACH: (t) => ({ cause: `network unreachable for ${t}`, fix: 'Check the network route (IPv6 without connectivity is a common case).' }),
};

function attempt(address: string, port: number, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: address, port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' }));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve(socket);
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

/** Step 3: a TCP connection to the first address that answers, as a browser tries them in turn. */
export async function connectTcp(addresses: string[], port: number, timeoutMs: number): Promise<{ socket?: Socket; outcome: StepOutcome }> {
  const tried: string[] = [];
  let last: NodeJS.ErrnoException | undefined;
  for (const address of addresses) {
    const target = `${address.includes(':') ? `[${address}]` : address}:${port}`;
    try {
      const socket = await attempt(address, port, timeoutMs);
      return { socket, outcome: { details: [...tried, `connected to ${target}`] } };
    } catch (error) {
      last = error as NodeJS.ErrnoException;
      tried.push(`${target}: ${last.code ?? last.message}`);
    }
  }
  const code = last?.code ?? 'unknown';
  const target = `${addresses.at(-1)}:${port}`;
  const known = CAUSES[code]?.(target) ?? { cause: `connecting to ${target} failed (${code})`, fix: 'Check the host and port.' };
  return { outcome: failure(`tcp_${code.toLowerCase()}`, known.cause, known.fix, tried) };
}
