import type { AddressInfo } from 'node:net';
import { createHttpServer } from '../http/server.js';
import type { RealtimeNode } from '../node.js';
import type { OriginPolicy } from '../policy/origin.js';
import { nodeWsTransport } from './node-ws.js';
import type { Transport } from './socket.js';

/** A listening server as the gateway drives it at shutdown. */
export interface Listener {
  readonly port: number;
  /** Stops accepting; resolves once every connection is gone. */
  close(): Promise<void>;
  /** Cuts what is still open after the drain. */
  closeAllConnections(): void;
}

/** How a JavaScript runtime serves the node: its socket transport and its HTTP + WebSocket server. */
export interface Runtime {
  readonly name: string;
  readonly transport: Transport;
  listen(node: RealtimeNode, policy: OriginPolicy): Promise<Listener>;
}

/** Node: node:http for the routes, `ws` for upgrades, pre-framed fan-out. */
export const nodeRuntime: Runtime = {
  name: 'node',
  transport: nodeWsTransport,
  async listen(node, policy) {
    const server = createHttpServer(node, policy);
    const { port, address } = node.config.http_server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, address, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const closed = new Promise<void>((resolve) => server.once('close', () => resolve()));
    return {
      port: (server.address() as AddressInfo).port,
      close: () => {
        server.close();
        return closed;
      },
      closeAllConnections: () => server.closeAllConnections(),
    };
  },
};
