import { randomUUID } from 'node:crypto';
import type { Logger } from '../log.js';
import { NodeNotFoundError, QueryResponders, type ControlBus, type ControlCommand, type ControlHandler, type NodeInfo, type NodeName, type QueryResponder, type QueryResult } from './control.js';
import type { RedisLink } from './redis-link.js';
import { ExpiringHash } from './redis-presence.js';

/** Commands travel as queries of this kind, so that each node's answer confirms it ran one. */
const COMMAND_QUERY = 'control.command';

interface QueryMessage {
  from: string;
  /** Set when one node is asked (`ask`); the others ignore the query. */
  to?: string;
  query: { id: string; kind: string; params: Record<string, unknown>; replyTo: string };
}

/** A node's answer to a query, on the asking node's reply topic. */
type ReplyMessage = { id: string; from: string } & ({ value: unknown } | { error: string });

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;

function isCommand(value: unknown): value is ControlCommand {
  return isObject(value) && typeof value.method === 'string' && isObject(value.request);
}

function isQueryMessage(value: unknown): value is QueryMessage {
  if (!isObject(value)) return false;
  const { from, query } = value as Partial<QueryMessage>;
  return typeof from === 'string' && typeof query?.id === 'string' && typeof query.kind === 'string' && isObject(query.params) && typeof query.replyTo === 'string';
}

function isReplyMessage(value: unknown): value is ReplyMessage {
  return isObject(value) && typeof value.id === 'string' && typeof value.from === 'string' && ('value' in value || typeof value.error === 'string');
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * Control bus over one Redis pub/sub topic, plus a node registry: every node writes its `info`
 * into an expiring hash each heartbeat, so a node that stops beating drops out of `info` after
 * three missed heartbeats. Queries go out on the control topic; each node answers on the asking
 * node's own reply topic (`<control>:reply:<uid>`), so replies do not reach every node. Commands
 * are queries too: a node that did not answer one is named instead of assumed to have run it.
 */
export class RedisControl implements ControlBus {
  private handler: ControlHandler | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private readonly registry: ExpiringHash;
  private readonly responders = new QueryResponders();
  /** Open queries of this node by id: each takes the replies to it. */
  private readonly pending = new Map<string, (reply: ReplyMessage) => void>();

  constructor(
    private readonly link: RedisLink,
    private readonly topic: string,
    registryKeys: { hash: string; expiry: string },
    private readonly heartbeatMs: number,
    private readonly log: Logger,
    /** How long a command waits for the other nodes to confirm it. */
    private readonly commandAnswerMs: number,
  ) {
    this.registry = new ExpiringHash(link, registryKeys.hash, registryKeys.expiry, heartbeatMs * 3);
  }

  async start(handler: ControlHandler): Promise<void> {
    this.handler = handler;
    this.responders.set(COMMAND_QUERY, async (command) => {
      if (!isCommand(command)) throw new Error('control command without method and request');
      await handler.apply(command);
      return null;
    });
    await this.link.listen(this.topic, (message) => this.receive(message));
    await this.link.listen(this.replyTopic, (message) => this.receiveReply(message));
    await this.beat();
    this.heartbeat = setInterval(() => void this.beat(), this.heartbeatMs);
    this.heartbeat.unref();
  }

  async broadcast(command: ControlCommand): Promise<NodeName[]> {
    await this.required().apply(command);
    // Without the registry no one can say which nodes the command must reach: that rejects.
    const others = (await this.nodes()).slice(1);
    if (others.length === 0) return [];
    const { missing } = await this.collect(COMMAND_QUERY, command as unknown as Record<string, unknown>, others, this.commandAnswerMs);
    if (missing.length > 0) {
      this.log.warn({ event: 'control_command_incomplete', method: command.method, missing: missing.map((node) => node.uid) }, 'some nodes did not confirm a control command');
    }
    return missing;
  }

  async nodes(): Promise<NodeInfo[]> {
    const self = this.required().info();
    const others: NodeInfo[] = [];
    for (const [uid, json] of await this.registry.getAll()) {
      if (uid === self.uid) continue;
      try {
        others.push(JSON.parse(json) as NodeInfo);
      } catch {
        this.log.warn({ event: 'node_entry_invalid', uid }, 'node registry entry is not JSON; skipped');
      }
    }
    return [self, ...others];
  }

  respond(kind: string, responder: QueryResponder): void {
    this.responders.set(kind, responder);
  }

  async query<T>(kind: string, params: Record<string, unknown>, timeoutMs: number): Promise<QueryResult<T>> {
    const self = this.required().info();
    // This node's own answer first: when it fails (say, an unknown channel) nothing is sent.
    const own = { uid: self.uid, name: self.name, value: (await this.responders.answer(kind, params)) as T };
    let others: NodeInfo[];
    try {
      others = (await this.nodes()).slice(1);
    } catch (err) {
      // Without Redis no other node can be asked; this node's answer still helps the operator.
      this.log.warn({ event: 'control_query_unsent', kind, err: (err as Error).message }, 'node registry unreachable: control query answered by this node only');
      return { answers: [own], missing: [] };
    }
    const remote = others.length === 0 ? { answers: [], missing: [] } : await this.collect<T>(kind, params, others, timeoutMs);
    if (remote.missing.length > 0) {
      this.log.warn({ event: 'control_query_incomplete', kind, missing: remote.missing.map((node) => node.uid) }, 'some nodes did not answer a control query');
    }
    return { answers: [own, ...remote.answers], missing: remote.missing };
  }

  async ask<T>(node: string, kind: string, params: Record<string, unknown>, timeoutMs: number): Promise<T> {
    const self = this.required().info();
    if (node === self.uid) return (await this.responders.answer(kind, params)) as T;
    const target = (await this.nodes()).find((info) => info.uid === node);
    if (!target) throw new NodeNotFoundError(node);
    const { answers, missing } = await this.collect<T>(kind, params, [target], timeoutMs, node);
    if (answers[0]) return answers[0].value;
    throw new Error(`node ${missing[0]?.uid ?? node} did not answer ${kind} in ${timeoutMs} ms`);
  }

  async close(): Promise<void> {
    clearInterval(this.heartbeat);
    await this.link.unlisten(this.topic);
    await this.link.unlisten(this.replyTopic);
    // Leave `info` at once instead of after the expiry.
    if (this.handler) await this.registry.remove(this.handler.uid).catch(() => undefined);
  }

  private required(): ControlHandler {
    if (!this.handler) throw new Error('control bus used before start()');
    return this.handler;
  }

  private get replyTopic(): string {
    return `${this.topic}:reply:${this.required().uid}`;
  }

  /** Publishes the query and gathers replies until every asked node answered or the time is up. */
  private collect<T>(kind: string, params: Record<string, unknown>, asked: NodeInfo[], timeoutMs: number, to?: string): Promise<QueryResult<T>> {
    const id = randomUUID();
    const waiting = new Map(asked.map((node) => [node.uid, node.name]));
    const result: QueryResult<T> = { answers: [], missing: [] };
    return new Promise((resolve) => {
      const finish = (): void => {
        clearTimeout(timer);
        this.pending.delete(id);
        result.missing.push(...[...waiting].map(([uid, name]) => ({ uid, name })));
        resolve(result);
      };
      const timer = setTimeout(finish, timeoutMs);
      this.pending.set(id, (reply) => {
        const name = waiting.get(reply.from);
        // A node that was not asked (it joined meanwhile) or answers twice is not counted.
        if (name === undefined) return;
        waiting.delete(reply.from);
        if ('error' in reply) {
          this.log.warn({ event: 'control_query_failed', kind, node: reply.from, error: reply.error }, 'a node failed to answer a control query');
          result.missing.push({ uid: reply.from, name });
        } else {
          result.answers.push({ uid: reply.from, name, value: reply.value as T });
        }
        if (waiting.size === 0) finish();
      });
      const message: QueryMessage = { from: this.required().uid, ...(to ? { to } : {}), query: { id, kind, params, replyTo: this.replyTopic } };
      this.link.run((r) => r.publish(this.topic, JSON.stringify(message))).catch((err) => {
        this.log.warn({ event: 'control_query_unsent', kind, err: (err as Error).message }, 'control query not sent');
        finish();
      });
    });
  }

  private receive(text: string): void {
    const message = parseJson(text);
    if (isQueryMessage(message)) return this.answer(message);
    this.log.warn({ event: 'control_message_invalid', length: text.length }, 'control message ignored: not a query');
  }

  private answer({ from, to, query }: QueryMessage): void {
    if (!this.handler || from === this.handler.uid || (to !== undefined && to !== this.handler.uid)) return;
    // Replies go to reply topics only: a forged replyTo must not publish into a channel's topic.
    if (!query.replyTo.startsWith(`${this.topic}:reply:`)) {
      this.log.warn({ event: 'control_message_invalid', kind: query.kind.slice(0, 64) }, 'control query ignored: reply topic is not a reply topic');
      return;
    }
    const uid = this.handler.uid;
    this.responders
      .answer(query.kind, query.params)
      .then((value) => ({ value: value ?? null }), (err: Error) => ({ error: err.message }))
      .then((outcome) => this.link.run((r) => r.publish(query.replyTo, JSON.stringify({ id: query.id, from: uid, ...outcome } satisfies ReplyMessage))))
      .catch((err) => this.log.warn({ event: 'control_reply_unsent', kind: query.kind.slice(0, 64), err: (err as Error).message }, 'control query reply not sent'));
  }

  private receiveReply(text: string): void {
    const reply = parseJson(text);
    if (!isReplyMessage(reply)) {
      this.log.warn({ event: 'control_message_invalid', length: text.length }, 'control reply ignored: not a reply');
      return;
    }
    // A reply after the timeout finds no pending query and is dropped.
    this.pending.get(reply.id)?.(reply);
  }

  private async beat(): Promise<void> {
    const info = this.required().info();
    try {
      await this.registry.set([[info.uid, JSON.stringify(info)]]);
    } catch (err) {
      this.log.debug({ event: 'node_heartbeat_failed', err: (err as Error).message }, 'node heartbeat failed');
    }
  }
}
