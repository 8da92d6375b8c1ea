import type { QueryResult } from '../broker/control.js';
import type { RealtimeNode } from '../core/index.js';
import type { AdminSource, LocalAdminSource } from './source.js';
import { mergeFallbacks } from './fallback-tally.js';
import type { ChannelDetails, ChannelSummary, ConnectionFilter, ConnectionSummary, FallbackSummary, NodeSummary, Rejection } from './types.js';

/** How long a page waits for the other nodes; one that has not answered by then is left out (and logged). */
const QUERY_TIMEOUT_MS = 1000;

/** The control bus query kinds every admin-enabled node answers with its own data. */
const Query = {
  connections: 'admin.connections',
  channels: 'admin.channels',
  subscribers: 'admin.subscribers',
  rejections: 'admin.rejections',
  fallbacks: 'admin.fallbacks',
  users: 'admin.users',
} as const;

/** Params arrive from other nodes over Redis: take strings only. */
function text(params: Record<string, unknown>, key: string): string {
  const value = params[key];
  return typeof value === 'string' ? value : '';
}

/**
 * Entries are tagged with their node's name; nodes that share one (several processes on one host)
 * get the start of their uid added, so the operator can tell them apart.
 */
function nodeLabels(nodes: Array<{ uid: string; name: string }>): Map<string, string> {
  const count = new Map<string, number>();
  for (const { name } of nodes) count.set(name, (count.get(name) ?? 0) + 1);
  return new Map(nodes.map(({ uid, name }) => [uid, count.get(name)! > 1 ? `${name}#${uid.slice(0, 8)}` : name]));
}

/** Every node's entries in one list, each tagged with the node that sent it. */
function tagged<E extends { node: string }>(result: QueryResult<E[]>): E[] {
  const labels = nodeLabels([...result.answers, ...result.missing]);
  return result.answers.flatMap(({ uid, value }) => value.map((entry) => ({ ...entry, node: labels.get(uid)! })));
}

/**
 * The admin pages of a multi-node deployment: asks every live node over the control bus and
 * merges the answers. Constructing it makes this node answer the same queries for the others.
 */
export class ClusterAdminSource implements AdminSource {
  constructor(
    private readonly node: RealtimeNode,
    private readonly local: LocalAdminSource,
  ) {
    const { control } = node;
    control.respond(Query.connections, (params) => local.connections({ user: text(params, 'user'), channel: text(params, 'channel'), origin: text(params, 'origin'), client: text(params, 'client') }));
    control.respond(Query.channels, (params) => local.channels(text(params, 'pattern')));
    control.respond(Query.subscribers, (params) => local.subscribers(text(params, 'name')));
    control.respond(Query.rejections, () => local.rejections());
    control.respond(Query.fallbacks, () => local.fallbacks());
    control.respond(Query.users, () => local.userIds());
  }

  /** The node registry lists every node already. */
  nodes(): Promise<NodeSummary[]> {
    return this.local.nodes();
  }

  async users(): Promise<number> {
    const { answers } = await this.ask<string[]>(Query.users, {});
    return new Set(answers.flatMap((answer) => answer.value)).size;
  }

  async connections(filter: ConnectionFilter): Promise<ConnectionSummary[]> {
    const found = tagged(await this.ask<ConnectionSummary[]>(Query.connections, { ...filter }));
    return found.sort((a, b) => a.connectedAt - b.connectedAt);
  }

  async channels(pattern: string): Promise<ChannelSummary[]> {
    const { answers } = await this.ask<ChannelSummary[]>(Query.channels, { pattern });
    const subscribers = new Map<string, number>();
    for (const { name, subscribers: count } of answers.flatMap((answer) => answer.value)) subscribers.set(name, (subscribers.get(name) ?? 0) + count);
    return [...subscribers].map(([name, count]) => ({ name, subscribers: count })).sort((a, b) => a.name.localeCompare(b.name));
  }

  /** History and presence live in the shared broker and presence store, so this node reads them once. */
  async channel(name: string): Promise<ChannelDetails> {
    const details = await this.local.channel(name);
    return { ...details, subscribers: tagged(await this.ask<ChannelDetails['subscribers']>(Query.subscribers, { name })) };
  }

  async rejections(): Promise<Array<Rejection & { node: string }>> {
    return tagged(await this.ask<Array<Rejection & { node: string }>>(Query.rejections, {})).sort((a, b) => b.at - a.at);
  }

  async fallbacks(): Promise<FallbackSummary[]> {
    const { answers } = await this.ask<FallbackSummary[]>(Query.fallbacks, {});
    return mergeFallbacks(answers.map((answer) => answer.value));
  }

  private ask<T>(kind: string, params: Record<string, unknown>): Promise<QueryResult<T>> {
    return this.node.control.query<T>(kind, params, QUERY_TIMEOUT_MS);
  }
}
