import { ApiErrorCodes } from '@renum-realtime/protocol';
import { ApiError } from '../api/errors.js';
import { hasHistory, historyOptions, type RealtimeNode, type Session } from '../core/index.js';
import type { FallbackTally } from './fallback-tally.js';
import type { RejectionLog } from './rejection-log.js';
import type { ChannelDetails, ChannelSummary, ConnectionFilter, ConnectionSummary, FallbackSummary, NodeSummary, Rejection } from './types.js';

/**
 * What the admin pages read. Every call is async and returns plain data, so a multi-node source
 * (`ClusterAdminSource`) can ask every node and merge the answers; `LocalAdminSource` reads this
 * node only. Actions (disconnect, publish) go through the server API and reach every node already.
 */
export interface AdminSource {
  nodes(): Promise<NodeSummary[]>;
  /** Distinct users connected: one user on several nodes counts once. */
  users(): Promise<number>;
  connections(filter: ConnectionFilter): Promise<ConnectionSummary[]>;
  channels(pattern: string): Promise<ChannelSummary[]>;
  channel(name: string): Promise<ChannelDetails>;
  rejections(): Promise<Array<Rejection & { node: string }>>;
  fallbacks(): Promise<FallbackSummary[]>;
}

function contains(value: string | undefined, wanted: string | undefined): boolean {
  return !wanted || (value ?? '').toLowerCase().includes(wanted.toLowerCase());
}

export class LocalAdminSource implements AdminSource {
  constructor(
    private readonly node: RealtimeNode,
    private readonly rejectionLog: RejectionLog,
    private readonly fallbackTally: FallbackTally,
  ) {}

  /** Every live node: the control bus lists them all when Redis links the deployment. */
  async nodes(): Promise<NodeSummary[]> {
    return (await this.node.control.nodes()).map((info) => ({
      uid: info.uid,
      name: info.name,
      version: info.version,
      uptimeSeconds: info.uptime,
      connections: info.num_clients,
      users: info.num_users,
      channels: info.num_channels,
      subscriptions: info.num_subs,
    }));
  }

  async users(): Promise<number> {
    return this.node.sessions.userCount;
  }

  async userIds(): Promise<string[]> {
    return [...new Set([...this.node.sessions.all()].map((session) => session.user))];
  }

  async connections(filter: ConnectionFilter): Promise<ConnectionSummary[]> {
    const found: ConnectionSummary[] = [];
    for (const session of this.node.sessions.all()) {
      const channels = [...session.subscriptions.keys()];
      if (!contains(session.user, filter.user) || !contains(session.clientId, filter.client) || !contains(session.meta.origin, filter.origin)) continue;
      if (filter.channel && !channels.some((name) => contains(name, filter.channel))) continue;
      found.push(this.summary(session, channels));
    }
    return found.sort((a, b) => a.connectedAt - b.connectedAt);
  }

  async channels(pattern: string): Promise<ChannelSummary[]> {
    return [...this.node.hub.counts()]
      .filter(([name]) => contains(name, pattern))
      .map(([name, subscribers]) => ({ name, subscribers }))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  async channel(name: string): Promise<ChannelDetails> {
    const { node } = this;
    const resolved = node.channels.resolve(name);
    if (!resolved.ok) throw new ApiError(ApiErrorCodes.unknownChannel, `${name}: ${resolved.error.message}`);
    const { options } = resolved.spec;
    const subscribers = await this.subscribers(name);
    let history: ChannelDetails['history'] = null;
    if (hasHistory(options)) {
      const page = await node.broker.history(name, { limit: options.history_size }, historyOptions(options));
      history = { size: page.publications.length, limit: options.history_size, offset: page.position.offset, epoch: page.position.epoch };
    }
    const presence = options.presence ? Object.values(await node.presence.get(name)) : null;
    return { name, subscribers, history, presence };
  }

  /** This node's subscribers of the channel. */
  async subscribers(name: string): Promise<ChannelDetails['subscribers']> {
    return [...this.node.sessions.all()]
      .filter((session) => session.subscriptions.has(name))
      .map((session) => ({ client: session.clientId, user: session.user, node: this.node.name }));
  }

  async rejections(): Promise<Array<Rejection & { node: string }>> {
    return this.rejectionLog.list().map((entry) => ({ ...entry, node: this.node.name }));
  }

  async fallbacks(): Promise<FallbackSummary[]> {
    return this.fallbackTally.list();
  }

  private summary(session: Session, subscriptions: string[]): ConnectionSummary {
    const { meta } = session;
    return {
      node: this.node.name,
      client: session.clientId,
      user: session.user,
      transport: session.transport.name,
      ...(meta.origin ? { origin: meta.origin } : {}),
      ...(meta.userAgent ? { userAgent: meta.userAgent } : {}),
      ...(meta.remoteAddress ? { remoteAddress: meta.remoteAddress } : {}),
      connectedAt: session.connectedAt,
      subscriptions,
      bytesIn: session.bytesIn,
      bytesOut: session.bytesOut,
    };
  }
}
