import { randomUUID } from 'node:crypto';
import {
  DecodeError,
  DisconnectCodes,
  ErrorCodes,
  UnsubscribeCodes,
  nestsDeeperThan,
  type ClientInfo,
  type Command,
  type CommandRequests,
  type ConnectRequest,
  type DisconnectCode,
  type JsonValue,
} from '@renum-realtime/protocol';
import type { HubMember } from '../channels/hub.js';
import { codecFor, type SessionCodec } from '../codec.js';
import type { Connection, ConnectionMeta, Frame, Transport } from '../transport.js';
import { handleHistory, handlePresence, handlePresenceStats, handlePublish, handleRpc, handleSend } from './commands.js';
import { handleConnect, handleRefresh } from './connect.js';
import type { CommandOutcome, SessionContext, SessionState } from './context.js';
import type { ProxyCaller, ProxyOutcome } from '../proxy.js';
import { CommandError, DisconnectError, proxyDecision, unidirectionalDisconnect } from './errors.js';
import { TokenBucket } from './rate-limit.js';
import { SessionSubscriptions, type SessionSubscription } from './subscriptions.js';
import { handleSubRefresh, handleSubscribe, handleUnsubscribe } from './subscribe.js';

type Handler<M extends keyof CommandRequests> = (session: SessionState, request: CommandRequests[M], id: number) => Promise<CommandOutcome>;

const handlers: { [M in keyof CommandRequests]: Handler<M> } = {
  connect: handleConnect,
  refresh: handleRefresh,
  subscribe: handleSubscribe,
  unsubscribe: handleUnsubscribe,
  sub_refresh: handleSubRefresh,
  publish: handlePublish,
  presence: handlePresence,
  presence_stats: handlePresenceStats,
  history: handleHistory,
  rpc: handleRpc,
  send: handleSend,
};

type State = 'connecting' | 'connected' | 'closed';

const IDLE = Promise.resolve();

/**
 * What few sessions ever set, kept out of the Session itself so an idle connection carries one
 * field for all of them: each own property costs every connection 8 bytes, set or not.
 */
interface SessionRarities {
  sessionId?: string;
  proxied?: { meta?: JsonValue };
  closeCode?: { code: number; reason: string };
  /** Command errors allowed: `max_command_errors` in any 10 s, else 3509; made at the first error. */
  errorBudget?: TokenBucket;
  /** Server-side refreshes in flight or waiting for a retry: "" for the connection, else a channel. */
  refreshes?: Map<string, { inFlight: boolean; retryAt: number }>;
}

/**
 * One client connection over any transport: reads frames in order, runs their commands, writes
 * the replies of a frame as one frame, and keeps the connection alive (pings, token expiry,
 * idleness). What it writes goes through its codec, so the same session serves bidirectional and
 * unidirectional clients.
 */
export class Session implements HubMember, SessionState, Connection {
  clientId = '';
  user = '';
  connInfo: JsonValue | undefined;
  expiresAt: number | undefined;
  readonly codec: SessionCodec;
  readonly subscriptions = new SessionSubscriptions();
  readonly connectedAt = Date.now();
  bytesIn = 0;
  bytesOut = 0;
  private state: State = 'connecting';
  /** The frame work in flight, in order; undefined once it is all done, so an idle session holds no promise. */
  private inbox: Promise<void> | undefined;
  /** The command rate limit's bucket, made at the first limited command and dropped once full again. */
  private rateLimit: TokenBucket | undefined;
  private lastActivity = Date.now();
  private nextPingAt = 0;
  private pongDeadline = 0;
  private rare: SessionRarities | undefined;

  constructor(
    readonly transport: Transport,
    readonly ctx: SessionContext,
  ) {
    this.codec = codecFor(transport.unidirectional, transport.protocol);
    if (transport.emulation || transport.unidirectional) this.rare = { sessionId: randomUUID() };
  }

  get sessionId(): string | undefined {
    return this.rare?.sessionId;
  }

  get proxied(): { meta?: JsonValue } | undefined {
    return this.rare?.proxied;
  }

  set proxied(proxied: { meta?: JsonValue } | undefined) {
    this.rarities().proxied = proxied;
  }

  private rarities(): SessionRarities {
    return (this.rare ??= {});
  }

  private get closeCode(): { code: number; reason: string } | undefined {
    return this.rare?.closeCode;
  }

  private set closeCode(closeCode: { code: number; reason: string }) {
    this.rarities().closeCode = closeCode;
  }

  get meta(): ConnectionMeta {
    return this.transport.meta;
  }

  get isClosed(): boolean {
    return this.state === 'closed';
  }

  get isConnected(): boolean {
    return this.state === 'connected';
  }

  get caller(): ProxyCaller {
    const caller: ProxyCaller = { client: this.clientId, transport: this.transport.name, protocol: this.codec.protocol, meta: this.transport.meta };
    if (this.isConnected) caller.user = this.user;
    if (this.proxied?.meta !== undefined) caller.connectionMeta = this.proxied.meta;
    return caller;
  }

  get clientInfo(): ClientInfo {
    const info: ClientInfo = { user: this.user, client: this.clientId };
    if (this.connInfo !== undefined) info.conn_info = this.connInfo;
    return info;
  }

  /** Called by the transport (or `/emulation`) for each frame. Frames are processed in order. */
  receive(frame: Frame): void {
    this.ctx.metrics.bytesIn.inc(frame.length);
    this.bytesIn += frame.length;
    this.enqueue(() => this.processFrame(frame));
  }

  /** A unidirectional transport's one request: connect, then only pushes flow. */
  connectUnidirectional(request: ConnectRequest): void {
    this.enqueue(async () => {
      try {
        const outcome = await handleConnect(this, request, 0);
        if (outcome.reply !== undefined) this.write(outcome.reply);
        outcome.afterReply?.();
      } catch (error) {
        const { disconnect, reason } = unidirectionalDisconnect(error);
        if (!(error instanceof CommandError || error instanceof DisconnectError)) this.ctx.log.error({ err: error, transport: this.transport.name }, 'unidirectional connect failed');
        else this.ctx.log.info({ transport: this.transport.name, code: disconnect.code, reason, detail: error.detail }, 'unidirectional connect refused');
        this.disconnect(disconnect, reason);
      }
    });
  }

  /** Called by the transport once it is closed, whoever closed it. */
  closed(code: number, reason: string): void {
    if (this.state === 'closed' && this.closeCode) return;
    this.closeCode ??= { code, reason };
    this.finish();
  }

  /** Closes the connection from the server side. */
  disconnect(disconnect: DisconnectCode, reason: string = disconnect.reason): void {
    if (this.state === 'closed') return;
    this.closeCode = { code: disconnect.code, reason };
    if (this.transport.pushesDisconnect) {
      // Straight to the transport: a slow consumer is being closed right now, not again.
      const farewell = this.codec.push(undefined, 'disconnect', { code: disconnect.code, reason });
      this.transport.write(farewell);
      this.countSent(farewell.length);
    }
    this.transport.close({ code: disconnect.code, reason });
    this.finish();
  }

  countSent(bytes: number): void {
    this.bytesOut += bytes;
    this.ctx.metrics.bytesOut.inc(bytes);
  }

  onSlow(): void {
    this.disconnect(DisconnectCodes.slow);
  }

  /** The broker may have missed publications of the channel: resubscribe and recover. */
  onInsufficientState(channel: string): void {
    const sub = this.subscriptions.get(channel);
    if (!sub) return;
    // The SDK resubscribes (and recovers) client-side subscriptions on 2500; server-side ones
    // are restored only by a reconnect, as Centrifugo does (3010).
    if (sub.serverSide) return this.disconnect(DisconnectCodes.insufficientState);
    this.unsubscribe(channel, UnsubscribeCodes.insufficientState);
  }

  /** Ends a subscription from the server side and tells the client with an `unsubscribe` push. */
  unsubscribe(channel: string, code: DisconnectCode): void {
    if (!this.subscriptions.has(channel)) return;
    this.dropSubscription(channel);
    this.write(this.codec.push(channel, 'unsubscribe', { code: code.code, reason: code.reason }));
  }

  write(frame: Frame): void {
    if (this.state === 'closed') return;
    this.transport.write(frame);
    this.countSent(frame.length);
    if (this.transport.bufferedAmount > this.ctx.config.client.queue_max_size) this.onSlow();
  }

  establish(user: string, now: number): void {
    this.clientId = randomUUID();
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
    if (this.expiresAt !== undefined) {
      if (now >= this.expiresAt + client.expired_close_delay) return this.disconnect(DisconnectCodes.connectionExpired);
      const refresh = this.ctx.proxies.refresh;
      if (this.proxied && refresh && now >= this.expiresAt) this.refreshByProxy('', now, () => refresh(this.caller), (answer) => {
        if (answer.info !== undefined) this.connInfo = answer.info;
        this.expiresAt = answer.expire_at ? answer.expire_at * 1000 : undefined;
      }, () => this.disconnect(DisconnectCodes.connectionExpired));
    }
    if (this.subscriptions.size === 0 && !this.transport.unidirectional && now - this.lastActivity >= client.idle_timeout) {
      return this.disconnect(DisconnectCodes.idleTimeout);
    }
    this.expireSubscriptions(now);
    const limit = client.command_rate_limit;
    if (this.rateLimit?.isFull(now, limit.per_second, limit.burst)) this.rateLimit = undefined;
    if (client.ping_interval > 0 && now >= this.nextPingAt) {
      this.write(this.codec.ping);
      // Unidirectional clients cannot answer; their pings only keep intermediaries from idling out.
      if (!this.pongDeadline && !this.transport.unidirectional) this.pongDeadline = now + client.pong_timeout;
      this.nextPingAt = now + client.ping_interval;
    }
  }

  /** Forgets a subscription here and everywhere it was registered. */
  dropSubscription(channel: string): void {
    const sub = this.subscriptions.get(channel);
    if (!sub) return;
    this.subscriptions.delete(channel);
    const { hub, broker, presence, metrics, log } = this.ctx;
    metrics.subscriptions.dec();
    hub.remove(channel, this);
    if (!sub.announced) return;
    this.ctx.events.unsubscribed({ client: this.clientId, user: this.user, transport: this.transport.name, channel, at: Date.now() });
    const info = this.subscriberInfo(sub);
    if (sub.spec.options.presence) presence.remove(channel, this.clientId).catch((err) => log.error({ err, channel }, 'presence remove failed'));
    if (sub.spec.options.join_leave) broker.publishLeave(channel, info).catch((err) => log.error({ err, channel }, 'leave failed'));
  }

  subscriberInfo(sub: Pick<SessionSubscription, 'chanInfo'>): ClientInfo {
    const info = this.clientInfo;
    if (sub.chanInfo !== undefined) info.chan_info = sub.chanInfo;
    return info;
  }

  private enqueue(work: () => Promise<void>): void {
    const done = () => {
      if (this.inbox === tail) this.inbox = undefined;
    };
    const tail: Promise<void> = (this.inbox ?? IDLE).then(work).then(done, (err) => {
      done();
      this.ctx.log.error({ err, client: this.clientId || undefined, transport: this.transport.name }, 'frame processing failed');
      this.disconnect(DisconnectCodes.internalError);
    });
    this.inbox = tail;
  }

  private expireSubscriptions(now: number): void {
    const delay = this.ctx.config.client.expired_sub_close_delay;
    for (const [channel, sub] of this.subscriptions) {
      if (sub.expiresAt === undefined || now < sub.expiresAt) continue;
      const expire = () => (sub.serverSide ? this.disconnect(DisconnectCodes.subscriptionExpired) : this.unsubscribe(channel, UnsubscribeCodes.subscriptionExpired));
      if (now >= sub.expiresAt + delay) return expire();
      const subRefresh = sub.refreshedByProxy ? this.ctx.proxies.subRefresh(sub.spec) : undefined;
      if (subRefresh) this.refreshByProxy(channel, now, () => subRefresh(this.caller, { channel }), (answer) => {
        if (answer.info !== undefined) sub.chanInfo = answer.info;
        sub.expiresAt = answer.expire_at ? answer.expire_at * 1000 : undefined;
      }, expire);
    }
  }

  /**
   * Asks a refresh proxy once the connection (key "") or a subscription (key = channel) expired.
   * A temporary failure is asked again a second later; the expiry's close delay bounds it all.
   */
  private refreshByProxy<R extends { expired?: boolean }>(key: string, now: number, ask: () => Promise<ProxyOutcome<R>>, prolong: (answer: R) => void, expire: () => void): void {
    const refreshes = (this.rarities().refreshes ??= new Map());
    const state = refreshes.get(key) ?? { inFlight: false, retryAt: 0 };
    if (state.inFlight || now < state.retryAt) return;
    state.inFlight = true;
    refreshes.set(key, state);
    proxyDecision(ask()).then(
      (answer) => {
        refreshes.delete(key);
        if (this.isClosed) return;
        if (answer.expired) return expire();
        prolong(answer);
      },
      (error: unknown) => {
        state.inFlight = false;
        state.retryAt = Date.now() + 1000;
        if (error instanceof DisconnectError) this.disconnect(error.disconnect, error.reason);
      },
    );
  }

  private async processFrame(frame: Frame): Promise<void> {
    if (this.state === 'closed') return;
    if (this.transport.unidirectional) {
      this.ctx.log.warn({ client: this.clientId || undefined, transport: this.transport.name, reason: 'bad_request' }, 'command on a unidirectional transport');
      return this.disconnect(DisconnectCodes.badRequest);
    }
    let messages;
    try {
      messages = this.codec.decode(frame, this.ctx.config.client.max_commands_per_frame);
    } catch (error) {
      if (!(error instanceof DecodeError)) throw error;
      this.ctx.log.warn({ client: this.clientId || undefined, origin: this.meta.origin, transport: this.transport.name, reason: 'bad_request', detail: error.reason }, 'malformed frame');
      return this.disconnect(DisconnectCodes.badRequest);
    }
    const replies: Frame[] = [];
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
    if (replies.length > 0) this.write(this.codec.join(replies));
    for (const after of afterReplies) after();
  }

  /** Runs one command; returns undefined when the connection was closed by it. */
  private async runCommand(command: Command, replies: Frame[]): Promise<CommandOutcome | undefined> {
    const { metrics, log } = this.ctx;
    if ((this.state === 'connecting') !== (command.method === 'connect')) {
      log.warn({ client: this.clientId || undefined, method: command.method, transport: this.transport.name, reason: 'bad_request' },
        this.state === 'connecting' ? 'command before connect' : 'second connect');
      this.flushThenDisconnect(replies, DisconnectCodes.badRequest);
      return undefined;
    }
    metrics.commands.inc({ method: command.method });
    this.lastActivity = Date.now();
    const commandLimit = this.ctx.config.client.command_rate_limit;
    const bucket = command.method === 'connect' || commandLimit.per_second <= 0 ? undefined : (this.rateLimit ??= new TokenBucket(commandLimit.burst));
    if (bucket && !bucket.take(this.lastActivity, commandLimit.per_second, commandLimit.burst)) {
      if (bucket.rejected >= commandLimit.disconnect_after) {
        log.warn({ client: this.clientId, user: this.user, reason: 'too_many_requests' }, 'command rate limit: disconnecting');
        this.flushThenDisconnect(replies, DisconnectCodes.tooManyRequests);
        return undefined;
      }
      metrics.commandErrors.inc({ method: command.method, code: ErrorCodes.tooManyRequests.code });
      return { reply: this.codec.error(command.id, ErrorCodes.tooManyRequests) };
    }
    try {
      const maxDepth = this.ctx.config.client.json_max_depth;
      // The request object is one level itself; payloads past the limit never reach a store or a peer.
      if (nestsDeeperThan(command.request, maxDepth + 1)) {
        throw new CommandError({ ...ErrorCodes.badRequest, message: `bad request: JSON nested deeper than ${maxDepth} levels` }, 'json_max_depth');
      }
      const handler = handlers[command.method] as Handler<typeof command.method>;
      return await handler(this, command.request as never, command.id);
    } catch (error) {
      if (error instanceof DisconnectError) {
        log.info({ client: this.clientId || undefined, user: this.user, method: command.method, code: error.disconnect.code, reason: error.reason, detail: error.detail }, 'command closed the connection');
        this.flushThenDisconnect(replies, error.disconnect, error.reason);
        return undefined;
      }
      const known = error instanceof CommandError;
      const replyError = known ? error.error : ErrorCodes.internal;
      if (!known) log.error({ err: error, client: this.clientId, method: command.method }, 'command failed');
      else log.debug({ client: this.clientId, method: command.method, code: replyError.code, detail: error.detail }, 'command error');
      metrics.commandErrors.inc({ method: command.method, code: replyError.code });
      if (!this.spendErrorBudget()) {
        log.warn({ client: this.clientId, user: this.user, reason: 'too_many_errors' }, 'command errors over client.max_command_errors: disconnecting');
        replies.push(this.codec.error(command.id, replyError));
        this.flushThenDisconnect(replies, DisconnectCodes.tooManyErrors);
        return undefined;
      }
      return { reply: this.codec.error(command.id, replyError) };
    }
  }

  private flushThenDisconnect(replies: Frame[], disconnect: DisconnectCode, reason?: string): void {
    if (replies.length > 0) this.write(this.codec.join(replies));
    replies.length = 0;
    this.disconnect(disconnect, reason);
  }

  private spendErrorBudget(): boolean {
    const errors = this.ctx.config.client.max_command_errors;
    const budget = (this.rarities().errorBudget ??= new TokenBucket(errors));
    return budget.take(Date.now(), errors / 10, errors);
  }

  /** A pong answers the outstanding ping; a pong nobody asked for is a protocol violation (3501). */
  private acceptPong(): boolean {
    if (this.state !== 'connected' || !this.pongDeadline) {
      this.ctx.log.warn({ client: this.clientId || undefined, transport: this.transport.name, reason: 'bad_request' }, 'unexpected pong');
      this.disconnect(DisconnectCodes.badRequest);
      return false;
    }
    this.pongDeadline = 0;
    return true;
  }

  private finish(): void {
    const wasConnected = this.state === 'connected';
    this.state = 'closed';
    for (const channel of [...this.subscriptions.keys()]) this.dropSubscription(channel);
    const { metrics, log, events } = this.ctx;
    this.ctx.forget(this);
    const { code, reason } = this.closeCode ?? { code: 1006, reason: '' };
    const transport = this.transport.name;
    metrics.disconnects.inc({ code, reason: reason || 'none' });
    if (wasConnected) {
      metrics.connections.dec({ transport });
      events.disconnected({ client: this.clientId, user: this.user, transport, code, reason, at: Date.now() });
    }
    events.rejected({
      kind: 'disconnect', code, reason: reason || 'none', origin: this.meta.origin, user: wasConnected ? this.user : undefined,
      client: this.clientId, remoteAddress: this.meta.remoteAddress, transport,
    });
    log.info({
      event: 'disconnect', client: this.clientId || undefined, user: wasConnected ? this.user : undefined, origin: this.meta.origin,
      transport, duration_ms: Date.now() - this.connectedAt, code, reason,
    }, 'client disconnected');
  }
}
