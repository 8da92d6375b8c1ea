import { createServer } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { ConfigError } from '../config/errors.js';
import { tlsCredentials } from '../config/tls.js';
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
    // A client that never finishes its request head (slowloris) is cut within ~10 s, not 65 s.
    const timeouts = { headersTimeout: 10_000, requestTimeout: 15_000, connectionsCheckingInterval: 1_000 };
    const { tls } = app.node.config.http_server;
    const listener = createRequestListener(app);
    let server;
    if (tls.enabled) {
      const credentials = tlsCredentials(tls);
      if ('problems' in credentials) throw new ConfigError(credentials.problems);
      server = createTlsServer({ ...timeouts, ...credentials }, listener);
    } else {
      server = createServer(timeouts, listener);
    }
    attachWebSocketEndpoints(server, app.admission, app.endpoints);
    const { port, address } = app.node.config.http_server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      // Node's default accept queue (511) overflows in a reconnect storm: the kernel then drops SYNs
      // and each client waits out a 1 s, then 3 s, retransmit. As Go (Centrifugo) does, ask for
      // the most the kernel allows (it caps this at net.core.somaxconn).
      server.listen({ port, host: address, backlog: 65_535 }, () => {
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
