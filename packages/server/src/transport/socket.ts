/**
 * What the session core needs from a connection. Runtime adapters (Node `ws`, Bun) implement it;
 * nothing in the core imports a socket library.
 */
export interface ClientSocket {
  /** Sends one text frame. */
  send(text: string): void;
  close(code: number, reason: string): void;
  /** Bytes accepted by `send` but not yet written to the network. */
  readonly bufferedAmount: number;
}

/** Facts about the upgrade request a session keeps for logs, limits and the admin views. */
export interface ConnectionMeta {
  origin?: string;
  userAgent?: string;
  remoteAddress?: string;
}

/**
 * Fan-out done by the runtime itself (Bun's topics): the hub registers live subscribers once and
 * hands over one text per publication, instead of a socket list.
 */
export interface TopicFanOut {
  subscribe(socket: ClientSocket, channel: string): void;
  unsubscribe(socket: ClientSocket, channel: string): void;
  /** Sends the text to every socket subscribed to the channel. Slow consumers are the runtime's job. */
  publish(channel: string, text: string): void;
}

export interface Transport {
  /** Sends the same text frame to many sockets; adapters may frame it once for all. */
  broadcast(text: string, sockets: readonly ClientSocket[]): void;
  /** Present when the runtime fans out natively; the hub then uses it for publications. */
  readonly topics?: TopicFanOut;
}

export const sendToEach: Transport['broadcast'] = (text, sockets) => {
  for (const socket of sockets) socket.send(text);
};
