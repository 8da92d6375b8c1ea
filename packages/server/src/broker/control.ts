/** What `info` reports about one node (Centrifugo's `info` result item). */
export interface NodeInfo {
  uid: string;
  name: string;
  version: string;
  num_clients: number;
  num_users: number;
  num_channels: number;
  num_subs: number;
  /** seconds */
  uptime: number;
}

/**
 * A server API call that acts on connections wherever they are (disconnect, unsubscribe,
 * subscribe, refresh): the method name and its validated request body.
 */
export interface ControlCommand {
  method: string;
  request: Record<string, unknown>;
}

/** The node side of the control bus. */
export interface ControlHandler {
  readonly uid: string;
  /** Runs a command on this node's connections. */
  apply(command: ControlCommand): Promise<void>;
  info(): NodeInfo;
}

/**
 * Links the nodes of a deployment for the server API: commands reach every node's connections,
 * and every live node is listed. One node alone needs no bus: `LocalControl` runs on this node only.
 */
export interface ControlBus {
  start(handler: ControlHandler): Promise<void>;
  /** Runs the command on this node, then hands it to every other node. */
  broadcast(command: ControlCommand): Promise<void>;
  /** Every live node, this one first. */
  nodes(): Promise<NodeInfo[]>;
  close(): Promise<void>;
}

export class LocalControl implements ControlBus {
  private handler: ControlHandler | undefined;

  async start(handler: ControlHandler): Promise<void> {
    this.handler = handler;
  }

  async broadcast(command: ControlCommand): Promise<void> {
    await this.handler?.apply(command);
  }

  async nodes(): Promise<NodeInfo[]> {
    return this.handler ? [this.handler.info()] : [];
  }

  async close(): Promise<void> {}
}
