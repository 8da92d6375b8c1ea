import { randomUUID } from 'node:crypto';
import {
  DecodeError,
  DisconnectCodes,
  ErrorCodes,
  PING,
  UnsubscribeCodes,
  decodeFrame,
  encodeError,
  encodePush,
  joinMessages,
  type ClientInfo,
  type Command,
  type DisconnectCode,
  type JsonValue,
} from '@renum-realtime/protocol';
import type { ChannelSpec } from '../channels/namespace.js';
import type { HubMember } from '../channels/hub.js';
import type { ClientSocket, ConnectionMeta } from '../transport/socket.js';
import { dispatchCommand, type CommandOutcome } from './dispatch.js';
import { CommandError, DisconnectError } from './errors.js';
import type { SessionContext } from './context.js';
import { TokenBucket } from './rate-limit.js';

export interface SessionSubscription {
  spec: ChannelSpec;
  /** From the connection token's `channels`/`subs` or the server API, not a client subscribe. */
  serverSide: boolean;
  /** ms since epoch; undefined = the subscription token never expires. */
  expiresAt?: number;
  chanInfo?: JsonValue;
  /** Set once this session is counted in presence and announced with a join. */
  announced: boolean;
}

type State = 'connecting' | 'connected' | 'closed';

/**
 * One client connection: reads frames in order, runs their commands, writes the replies of a frame
 * as one frame, and keeps the connection alive (pings, token expiry, idleness).
 */
export class Session implements HubMember {
  clientId = '';
  user = '';
  connInfo: JsonValue | undefined;
  /** ms since epoch; undefined = the connection token never expires. */
  expiresAt: number | undefined;
  readonly subscriptions = new Map<string, SessionSubscription>();
  readonly connectedAt = Date.now();
  bytesIn = 0;
  bytesOut = 0;
  private state: State = 'connecting';
  private inbox: Promise<void> = Promise.resolve();
  private readonly rateLimit: TokenBucket;
  private lastActivity = Date.now();
  private nextPingAt = 0;
  private pongDeadline = 0;
  private closeCode: { code: number; reason: string } | undefined;

  constructor(
    readonly socket: ClientSocket,
    readonly meta: ConnectionMeta,
    readonly ctx: SessionContext,
  ) {
    const { command_rate_limit: limit } = ctx.config.client;
    this.rateLimit = new TokenBucket(limit.per_second, limit.burst);
  }

  get isClosed(): boolean {
    return this.state === 'closed';
  }

  get clientInfo(): ClientInfo {
    const info: ClientInfo = { user: this.user, client: this.clientId };
    if (this.connInfo !== undefined) info.conn_info = this.connInfo;
    return info;
  }

  /** Called by the transport for each text frame. Frames are processed strictly in order. */
  receive(text: string): void {
    this.ctx.metrics.bytesIn.inc(text.length);
    this.bytesIn += text.length;
    this.inbox = this.inbox
      .then(() => this.processFrame(text))
      .catch((err) => {
        this.ctx.log.error({ err, client: this.clientId || undefined }, 'frame processing failed');
        this.disconnect(DisconnectCodes.internalError);
      });
  }

  /** Called by the transport once the socket is closed, whoever closed it. */
  closed(code: number, reason: string): void {
    if (this.state === 'closed' && this.closeCode) return;
    this.closeCode ??= { code, reason };
    this.finish();
  }

  /** Closes the connection from the server side. */
  disconnect(disconnect: DisconnectCode, reason: string = disconnect.reason): void {
    if (this.state === 'closed') return;
    this.closeCode = { code: disconnect.code, reason };
    this.socket.close(disconnect.code, reason);
    this.finish();
  }

  countSent(bytes: number): void {
    this.bytesOut += bytes;
    this.ctx.metrics.bytesOut.inc(bytes);
  }

  onSlow(): void {
    this.disconnect(DisconnectCodes.slow);
  }

  write(text: string): void {
    if (this.state === 'closed') return;
    this.socket.send(text);
    this.countSent(text.length);
    if (this.socket.bufferedAmount > this.ctx.config.client.queue_max_size) this.onSlow();
  }

  /** Marks the session connected and starts its ping schedule. */
  establish(clientId: string, user: string, now: number): void {
    this.clientId = clientId;
    this.user = user;
    this.state = 'connected';
    const interval = this.ctx.config.client.ping_interval;
    // Spread the first ping over [interval/2, interval) so a reconnect wave does not ping in lockstep.
    this.nextPingAt = now + interval / 2 + Math.random() * (interval / 2);
  }

  /** Liveness, driven by the node's sweeper. */
  tick(now: number): void {
    const client = this.ctx.config.client;
    if (this.state === 'connecting') {
      if (now - this.connectedAt >= client.stale_close_delay) this.disconnect(DisconnectCodes.stale);
      return;
    }
    if (this.state !== 'connected') return;
    if (this.pongDeadline && now >= this.pongDeadline) return this.disconnect(DisconnectCodes.noPong);
    if (this.expiresAt !== undefined && now >= this.expiresAt + client.expired_close_delay) {
      return this.disconnect(DisconnectCodes.connectionExpired);
    }
    if (this.subscriptions.size === 0 && now - this.lastActivity >= client.idle_timeout) {
      return this.disconnect(DisconnectCodes.idleTimeout);
    }
    this.expireSubscriptions(now);
    if (client.ping_interval > 0 && now >= this.nextPingAt) {
      this.write(PING);
      if (!this.pongDeadline) this.pongDeadline = now + client.pong_timeout;
      this.nextPingAt = now + client.ping_interval;
    }
  }

  newClientId(): string {
    return randomUUID();
  }

  private expireSubscriptions(now: number): void {
    const delay = this.ctx.config.client.expired_sub_close_delay;
    for (const [channel, sub] of this.subscriptions) {
      if (sub.expiresAt === undefined || now < sub.expiresAt + delay) continue;
      if (sub.serverSide) return this.disconnect(DisconnectCodes.subscriptionExpired);
      this.dropSubscription(channel);
      const code = UnsubscribeCodes.subscriptionExpired;
      this.write(encodePush(channel, 'unsubscribe', { code: code.code, reason: code.reason }));
    }
  }

  private async processFrame(text: string): Promise<void> {
    if (this.state === 'closed') return;
    let messages;
    try {
      messages = decodeFrame(text, this.ctx.config.client.max_commands_per_frame);
    } catch (error) {
      if (!(error instanceof DecodeError)) throw error;
      this.ctx.log.warn({ client: this.clientId || undefined, origin: this.meta.origin, reason: 'bad_request', detail: error.reason }, 'malformed frame');
      return this.disconnect(DisconnectCodes.badRequest);
    }
    const replies: string[] = [];
    const afterReplies: Array<() => void> = [];
    for (const message of messages) {
      if (this.isClosed) return;
      if (message.method === 'pong') {
        if (!this.acceptPong()) break;
        continue;
      }
      const outcome = await this.runCommand(message, replies);
      if (!outcome) break;
      if (outcome.reply !== undefined) replies.push(outcome.reply);
      if (outcome.afterReply) afterReplies.push(outcome.afterReply);
    }
    if (replies.length > 0) this.write(joinMessages(replies));
    for (const after of afterReplies) after();
  }

  /** Runs one command; returns undefined when the connection was closed by it. */
  private async runCommand(command: Command, replies: string[]): Promise<CommandOutcome | undefined> {
    const { metrics, log } = this.ctx;
    if ((this.state === 'connecting') !== (command.method === 'connect')) {
      log.warn({ client: this.clientId || undefined, method: command.method, reason: 'bad_request' },
        this.state === 'connecting' ? 'command before connect' : 'second connect');
      this.flushThenDisconnect(replies, DisconnectCodes.badRequest);
      return undefined;
    }
    metrics.commands.inc({ method: command.method });
    this.lastActivity = Date.now();
    if (command.method !== 'connect' && !this.rateLimit.take(this.lastActivity)) {
      if (this.rateLimit.rejected >= this.ctx.config.client.command_rate_limit.disconnect_after) {
        log.warn({ client: this.clientId, user: this.user, reason: 'too_many_requests' }, 'command rate limit: disconnecting');
        this.flushThenDisconnect(replies, DisconnectCodes.tooManyRequests);
        return undefined;
      }
      metrics.commandErrors.inc({ method: command.method, code: ErrorCodes.tooManyRequests.code });
      return { reply: encodeError(command.id, ErrorCodes.tooManyRequests) };
    }
    try {
      return await dispatchCommand(this, command);
    } catch (error) {
      if (error instanceof DisconnectError) {
        log.info({ client: this.clientId || undefined, user: this.user, method: command.method, code: error.disconnect.code, reason: error.reason }, 'command closed the connection');
        this.flushThenDisconnect(replies, error.disconnect, error.reason);
        return undefined;
      }
      const known = error instanceof CommandError;
      const replyError = known ? error.error : ErrorCodes.internal;
      if (!known) log.error({ err: error, client: this.clientId, method: command.method }, 'command failed');
      else log.debug({ client: this.clientId, method: command.method, code: replyError.code, detail: error.detail }, 'command error');
      metrics.commandErrors.inc({ method: command.method, code: replyError.code });
      return { reply: encodeError(command.id, replyError) };
    }
  }

  private flushThenDisconnect(replies: string[], disconnect: DisconnectCode, reason?: string): void {
    if (replies.length > 0) this.write(joinMessages(replies));
    replies.length = 0;
    this.disconnect(disconnect, reason);
  }

  /** A pong answers the outstanding ping; a pong nobody asked for is a protocol violation (3501). */
  private acceptPong(): boolean {
    if (this.state !== 'connected' || !this.pongDeadline) {
      this.ctx.log.warn({ client: this.clientId || undefined, reason: 'bad_request' }, 'unexpected pong');
      this.disconnect(DisconnectCodes.badRequest);
      return false;
    }
    this.pongDeadline = 0;
    return true;
  }

  /** Forgets a subscription here and everywhere it was registered. */
  dropSubscription(channel: string): void {
    const sub = this.subscriptions.get(channel);
    if (!sub) return;
    this.subscriptions.delete(channel);
    this.ctx.metrics.subscriptions.dec();
    const { hub, broker, presence } = this.ctx;
    if (hub.remove(channel, this)) void broker.unsubscribe(channel).catch((err) => this.ctx.log.error({ err, channel }, 'broker unsubscribe failed'));
    if (!sub.announced) return;
    const info = this.subscriberInfo(sub);
    if (sub.spec.options.presence) void presence.remove(channel, this.clientId).catch((err) => this.ctx.log.error({ err, channel }, 'presence remove failed'));
    if (sub.spec.options.join_leave) void this.ctx.leave(sub.spec, info).catch((err) => this.ctx.log.error({ err, channel }, 'leave failed'));
  }

  subscriberInfo(sub: Pick<SessionSubscription, 'chanInfo'>): ClientInfo {
    const info = this.clientInfo;
    if (sub.chanInfo !== undefined) info.chan_info = sub.chanInfo;
    return info;
  }

  private finish(): void {
    const wasConnected = this.state === 'connected';
    this.state = 'closed';
    for (const channel of [...this.subscriptions.keys()]) this.dropSubscription(channel);
    const { metrics, log, sessions } = this.ctx;
    const { code, reason } = this.closeCode ?? { code: 1006, reason: '' };
    metrics.disconnects.inc({ code, reason: reason || 'none' });
    if (wasConnected) {
      sessions.delete(this);
      metrics.connections.dec();
    }
    this.ctx.rejections.recordDisconnect({ code, reason: reason || 'none', origin: this.meta.origin, user: wasConnected ? this.user : undefined, client: this.clientId, remoteAddress: this.meta.remoteAddress });
    log.info({
      event: 'disconnect', client: this.clientId || undefined, user: wasConnected ? this.user : undefined, origin: this.meta.origin,
      duration_ms: Date.now() - this.connectedAt, code, reason,
    }, 'client disconnected');
  }
}
