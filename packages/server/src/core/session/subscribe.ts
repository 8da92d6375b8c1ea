import { DisconnectCodes, ErrorCodes, fossilDeltaPublications, type CommandRequests, type DataPayload, type JsonValue, type Publication, type SubscribeResult } from '@renum-realtime/protocol';
import type { SubscriptionClaims, TokenOverride } from '../../auth/verifier.js';
import { UnrecoverablePositionError, type HistoryPage } from '../../broker/broker.js';
import type { ChannelOptions } from '../../config/types.js';
import { withoutDeltaFlag } from '../channels/hub.js';
import { hasHistory, historyOptions as historyOptionsOf, type ChannelSpec } from '../channels/namespace.js';
import type { CommandOutcome, SessionState as Session } from './context.js';
import { CommandError, DisconnectError, proxyDecision } from './errors.js';
import { clientData, dataOf, setData } from './payload.js';
import { maySubscribe } from './permissions.js';
import { subscriptionTokenFailure } from './token-failure.js';
import type { SessionSubscription } from './subscriptions.js';

/** The SDK sets bit 1 of `flag` when it can take pushes addressed by a channel id (channel compaction). */
const FLAG_CHANNEL_COMPACTION = 1;
/** The SDK sets bit 2 of `flag` when it wants error 112 instead of `recovered: false` (protocol.md §5). */
const FLAG_REJECT_UNRECOVERED = 2;

export interface SubscribeSetup {
  serverSide: boolean;
  chanInfo?: JsonValue;
  data?: DataPayload | undefined;
  override?: TokenOverride;
  /** The client's last known position, when it asks to recover. */
  recover?: { offset: number; epoch: string };
  requestRecoverable?: boolean;
  requestPositioned?: boolean;
  joinLeave: boolean;
  /** ms since epoch */
  expiresAt?: number;
  rejectUnrecovered?: boolean;
  /** The expiry came from the subscribe proxy: the sub_refresh proxy prolongs it. */
  refreshedByProxy?: boolean;
  /** The client asked for fossil delta (`delta: "fossil"`); granted where the namespace allows it. */
  delta?: boolean;
  /** The client asked for channel compaction; granted where the namespace allows it. */
  compact?: boolean;
}

function applyOverride(options: ChannelOptions, override: TokenOverride | undefined): ChannelOptions {
  if (!override) return options;
  const merged = { ...options };
  for (const key of ['presence', 'join_leave', 'force_push_join_leave', 'force_recovery', 'force_positioning'] as const) {
    const value = override[key];
    if (value !== undefined) merged[key] = value;
  }
  return merged;
}

interface Positioning {
  result: SubscribeResult;
  /** Offsets up to this one are covered by the reply; later ones are sent after it. */
  covered?: number;
}

async function position(session: Session, spec: ChannelSpec, setup: SubscribeSetup): Promise<Positioning> {
  const options = spec.options;
  if (!hasHistory(options)) return { result: {} };
  const recoverable = options.force_recovery || (options.allow_recovery && !!setup.requestRecoverable);
  const positioned = recoverable || options.force_positioning || (options.allow_positioning && !!setup.requestPositioned);
  if (!positioned) return { result: {} };
  const { hub, config } = session.ctx;
  const historyOptions = historyOptionsOf(options);
  const result: SubscribeResult = { positioned: true };
  if (recoverable) result.recoverable = true;
  if (recoverable && setup.recover) {
    const { offset, epoch } = setup.recover;
    const max = config.client.recovery_max_publication_limit;
    let page: HistoryPage | undefined;
    try {
      page = await hub.readStream(spec.name, { since: { offset, epoch }, limit: max + 1 }, historyOptions);
    } catch (error) {
      if (!(error instanceof UnrecoverablePositionError)) throw error;
    }
    if (!page) page = await hub.readStream(spec.name, { limit: 0 }, historyOptions);
    const top = page.position.offset;
    const pubs = page.publications;
    // A position the broker vouches for across a failover (a new epoch, nothing lost) recovers too.
    const recovered = (epochMatches(epoch, page.position.epoch) || page.continuesSince === true) && pubs.length <= max && (pubs.length === 0
      ? top === offset
      : pubs[0]!.offset === offset + 1 && pubs[pubs.length - 1]!.offset === top);
    result.was_recovering = true;
    result.recovered = recovered;
    result.epoch = page.position.epoch;
    if (recovered) {
      result.offset = offset;
      if (pubs.length > 0) result.publications = recoveredFor(session, pubs, setup.delta === true);
    } else if (top > 0) {
      result.offset = top;
    }
    return { result, covered: top };
  }
  const page = await hub.readStream(spec.name, { limit: 0 }, historyOptions);
  result.epoch = page.position.epoch;
  if (page.position.offset > 0) result.offset = page.position.offset;
  return { result, covered: page.position.offset };
}

/**
 * Recovered publications as the subscriber reads them: chained fossil deltas (the first full) for
 * a delta subscriber, so the SDK rebuilds each one; without the stored delta request otherwise.
 */
function recoveredFor(session: Session, publications: Publication[], delta: boolean): Publication[] {
  if (delta) return fossilDeltaPublications(session.codec.protocol, publications);
  return publications.map(withoutDeltaFlag);
}

function epochMatches(requested: string, current: string): boolean {
  return requested === '' || requested === current;
}

/**
 * Joins a session to a channel: registers it in the hub first, so that publications racing with
 * the history read are held and merged by offset instead of lost or doubled, then positions or
 * recovers the stream, then announces presence and join. `release` runs after the reply is out.
 */
export async function subscribeChannel(session: Session, channelSpec: ChannelSpec, setup: SubscribeSetup): Promise<{ result: SubscribeResult; release: () => void }> {
  const { hub, broker, presence, metrics } = session.ctx;
  const options = applyOverride(channelSpec.options, setup.override);
  const spec = options === channelSpec.options ? channelSpec : { ...channelSpec, options };
  // As Centrifugo: a delta type the namespace does not allow gives a plain subscription, not an error.
  const delta = setup.delta === true && options.allowed_delta_types.includes('fossil');
  const compact = setup.compact === true && options.allow_channel_compaction;
  const channel = spec.name;
  // Optional fields only when set: an idle subscription costs its fields, set or not.
  const sub: SessionSubscription = { spec, serverSide: setup.serverSide, announced: false };
  if (setup.expiresAt !== undefined) sub.expiresAt = setup.expiresAt;
  if (setup.chanInfo !== undefined) sub.chanInfo = setup.chanInfo;
  if (setup.refreshedByProxy) sub.refreshedByProxy = true;
  session.subscriptions.set(channel, sub);
  metrics.subscriptions.inc();
  const pushJoinLeave = options.join_leave && (options.force_push_join_leave || setup.joinLeave);
  try {
    const id = await hub.add(channel, session, { joinLeave: pushJoinLeave, delta, compact });
    const { result, covered } = await position(session, spec, { ...setup, delta });
    if (delta) result.delta = true;
    if (id !== undefined) result.id = id;
    if (result.recovered === false && setup.rejectUnrecovered) throw new CommandError(ErrorCodes.unrecoverablePosition);
    if (session.subscriptions.get(channel) !== sub) throw new CommandError(ErrorCodes.internal, 'connection closed during subscribe');
    const info = session.subscriberInfo(sub);
    if (options.presence) await presence.add(channel, info);
    if (options.join_leave) await broker.publishJoin(channel, info);
    sub.announced = true;
    session.ctx.events.subscribed({ client: session.clientId, user: session.user, transport: session.transport.name, channel, at: Date.now() });
    if (setup.expiresAt !== undefined && !setup.refreshedByProxy) {
      result.expires = true;
      result.ttl = Math.max(1, Math.ceil((setup.expiresAt - Date.now()) / 1000));
    }
    setData(result, setup.data);
    const release = () => {
      for (const publication of hub.activate(channel, session, covered)) session.write(session.codec.push(id ?? channel, 'pub', publication));
    };
    return { result, release };
  } catch (error) {
    if (session.subscriptions.get(channel) === sub) session.dropSubscription(channel);
    throw error;
  }
}

async function verifySubscriptionToken(session: Session, channel: string, token: string): Promise<SubscriptionClaims> {
  let claims: SubscriptionClaims;
  try {
    claims = await session.ctx.verifier.verifySubscriptionToken(token);
  } catch (error) {
    throw subscriptionTokenFailure(error);
  }
  const mismatch = claims.channel !== channel ? 'channel' : claims.user !== session.user ? 'user' : claims.client && claims.client !== session.clientId ? 'client' : undefined;
  if (mismatch) throw new DisconnectError(DisconnectCodes.invalidToken, DisconnectCodes.invalidToken.reason, `subscription token ${mismatch} does not match`);
  return claims;
}

export function resolveChannel(session: Session, channel: string): ChannelSpec {
  const resolved = session.ctx.channels.resolve(channel);
  if (!resolved.ok) throw new CommandError(resolved.error, `channel ${channel}`);
  return resolved.spec;
}

export async function handleSubscribe(session: Session, request: CommandRequests['subscribe'], id: number): Promise<CommandOutcome> {
  const { channel } = request;
  if (session.subscriptions.has(channel)) throw new CommandError(ErrorCodes.alreadySubscribed);
  if (session.subscriptions.size >= session.ctx.config.client.channel_limit) throw new CommandError(ErrorCodes.limitExceeded, 'channel limit');
  const spec = resolveChannel(session, channel);
  // Centrifugo closes the connection on a delta type it does not know (client.go validateSubscribeRequest).
  if (request.delta !== undefined && request.delta !== '' && request.delta !== 'fossil') {
    throw new DisconnectError(DisconnectCodes.badRequest, `unknown delta type in subscribe request: ${request.delta.slice(0, 32)}`);
  }
  const setup: SubscribeSetup = {
    serverSide: false,
    joinLeave: !!request.join_leave,
    requestRecoverable: request.recoverable,
    requestPositioned: request.positioned,
    rejectUnrecovered: ((request.flag ?? 0) & FLAG_REJECT_UNRECOVERED) !== 0,
    delta: request.delta === 'fossil',
    // The SDK's protobuf build reads int64 ids as Long objects and compares them by identity, so it
    // would drop every compacted push: only JSON clients get ids.
    compact: ((request.flag ?? 0) & FLAG_CHANNEL_COMPACTION) !== 0 && session.codec.protocol === 'json',
  };
  if (request.recover) setup.recover = { offset: request.offset ?? 0, epoch: request.epoch ?? '' };
  if (request.token) {
    const claims = await verifySubscriptionToken(session, channel, request.token);
    Object.assign(setup, { chanInfo: claims.info, data: dataOf(claims), override: claims.override });
    if (claims.expiresAt !== undefined) setup.expiresAt = claims.expiresAt * 1000;
  } else if (!spec.isPrivate && session.ctx.proxies.subscribe(spec)) {
    // The namespace asks the back end instead of its allow_* options (Centrifugo's subscribe proxy).
    const ask = session.ctx.proxies.subscribe(spec)!;
    const answer = await proxyDecision(ask(session.caller, { channel, ...clientData(session, request) }));
    Object.assign(setup, { chanInfo: answer.info, data: dataOf(answer), override: answer.override });
    if (answer.expire_at) {
      setup.expiresAt = answer.expire_at * 1000;
      setup.refreshedByProxy = !!session.ctx.proxies.subRefresh(spec);
    }
  } else if (spec.isPrivate || !maySubscribe(session, spec.options, spec.allowedUsers)) {
    throw new CommandError(ErrorCodes.permissionDenied, `subscribe ${channel}`);
  }
  const { result, release } = await subscribeChannel(session, spec, setup);
  return { reply: session.codec.reply(id, 'subscribe', result), afterReply: release };
}

export async function handleUnsubscribe(session: Session, request: CommandRequests['unsubscribe'], id: number): Promise<CommandOutcome> {
  session.dropSubscription(request.channel);
  return { reply: session.codec.reply(id, 'unsubscribe', {}) };
}

export async function handleSubRefresh(session: Session, request: CommandRequests['sub_refresh'], id: number): Promise<CommandOutcome> {
  const sub = session.subscriptions.get(request.channel);
  if (!sub) throw new CommandError(ErrorCodes.permissionDenied, 'sub_refresh of a channel not subscribed');
  const claims = await verifySubscriptionToken(session, request.channel, request.token);
  if (claims.info !== undefined) sub.chanInfo = claims.info;
  sub.expiresAt = claims.expiresAt !== undefined ? claims.expiresAt * 1000 : undefined;
  if (sub.expiresAt === undefined) return { reply: session.codec.reply(id, 'sub_refresh', { expires: false }) };
  const ttl = Math.max(1, Math.ceil((sub.expiresAt - Date.now()) / 1000));
  return { reply: session.codec.reply(id, 'sub_refresh', { expires: true, ttl }) };
}
