import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequestListener, type HttpApp } from '../http/server.js';
import { attachWebSocketEndpoints } from './websocket.js';

/** A listening server as the gateway drives it at shutdown. */
export interface Listener {
  readonly port: number;
  /** Stops accepting; resolves once every connection is gone. */
  close(): Promise<void>;
  /** Cuts what is still open after the drain. */
  closeAllConnections(): void;
}

/** How a JavaScript runtime serves the gateway: its HTTP server, WebSocket upgrades included. */
export interface Runtime {
  readonly name: string;
  listen(app: HttpApp): Promise<Listener>;
}

/** Node: node:http for the routes and the HTTP transports, `ws` for upgrades, pre-framed fan-out. */
export const nodeRuntime: Runtime = {
  name: 'node',
  async listen(app) {
    const server = createServer(createRequestListener(app));
    attachWebSocketEndpoints(server, { node: app.node, policy: app.policy }, app.endpoints);
    const { port, address } = app.node.config.http_server;
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
