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

/** A node the deployment lists as live, by id and host name. */
export interface NodeName {
  uid: string;
  name: string;
}

/** The node side of the control bus. */
export interface ControlHandler {
  readonly uid: string;
  /** Runs a command on this node's connections. */
  apply(command: ControlCommand): Promise<void>;
  info(): NodeInfo;
}

/** Answers one kind of query with this node's data; `params` is what the asking node sent. */
export type QueryResponder = (params: Record<string, unknown>) => Promise<unknown>;

/** What `ControlBus.query` collected: one answer per node that answered in time, and who did not. */
export interface QueryResult<T> {
  answers: Array<NodeName & { value: T }>;
  /** Live nodes that failed, timed out or have no responder for the kind. */
  missing: NodeName[];
}

/** The query kinds this node answers; both buses keep theirs here. */
export class QueryResponders {
  private readonly byKind = new Map<string, QueryResponder>();

  set(kind: string, responder: QueryResponder): void {
    this.byKind.set(kind, responder);
  }

  /** Throws when this node has no responder for the kind (the extension that answers it is not mounted). */
  async answer(kind: string, params: Record<string, unknown>): Promise<unknown> {
    const responder = this.byKind.get(kind);
    if (!responder) throw new Error(`no responder for query ${kind.slice(0, 64)}`);
    return responder(params);
  }
}

/**
 * Links the nodes of a deployment for the server API: commands reach every node's connections,
 * and every live node is listed. One node alone needs no bus: `LocalControl` runs on this node only.
 */
export interface ControlBus {
  start(handler: ControlHandler): Promise<void>;
  /**
   * Runs the command on this node, then on every other live node, and waits for each to say it
   * ran it. Rejects when this node fails or the other nodes cannot be listed; resolves with the
   * live nodes that did not confirm in time (they may still run it, or never).
   */
  broadcast(command: ControlCommand): Promise<NodeName[]>;
  /** Every live node, this one first. */
  nodes(): Promise<NodeInfo[]>;
  /** Registers how this node answers `query(kind, …)` from any node. */
  respond(kind: string, responder: QueryResponder): void;
  /**
   * Asks every live node (this one first) and waits for all answers or `timeoutMs`, whichever comes
   * first. This node's own failure rejects; another node's failure only lists it in `missing`.
   */
  query<T>(kind: string, params: Record<string, unknown>, timeoutMs: number): Promise<QueryResult<T>>;
  /**
   * Asks one node (this one included) and waits for its answer. Rejects with NodeNotFoundError
   * when no live node has that id, and with an Error when it fails or does not answer in time.
   */
  ask<T>(node: string, kind: string, params: Record<string, unknown>, timeoutMs: number): Promise<T>;
  close(): Promise<void>;
}

/** No live node has the id asked for: it stopped, or the id was never one. */
export class NodeNotFoundError extends Error {
  readonly code = 'NODE_NOT_FOUND';
  constructor(readonly node: string) {
    super(`no live node ${node.slice(0, 64)}`);
  }
}

export class LocalControl implements ControlBus {
  private handler: ControlHandler | undefined;
  private readonly responders = new QueryResponders();

  async start(handler: ControlHandler): Promise<void> {
    this.handler = handler;
  }

  async broadcast(command: ControlCommand): Promise<NodeName[]> {
    await this.handler?.apply(command);
    return [];
  }

  async nodes(): Promise<NodeInfo[]> {
    return this.handler ? [this.handler.info()] : [];
  }

  respond(kind: string, responder: QueryResponder): void {
    this.responders.set(kind, responder);
  }

  async query<T>(kind: string, params: Record<string, unknown>): Promise<QueryResult<T>> {
    const { uid, name } = this.required().info();
    return { answers: [{ uid, name, value: (await this.responders.answer(kind, params)) as T }], missing: [] };
  }

  async ask<T>(node: string, kind: string, params: Record<string, unknown>): Promise<T> {
    if (node !== this.required().uid) throw new NodeNotFoundError(node);
    return (await this.responders.answer(kind, params)) as T;
  }

  async close(): Promise<void> {}

  private required(): ControlHandler {
    if (!this.handler) throw new Error('control bus used before start()');
    return this.handler;
  }
}
