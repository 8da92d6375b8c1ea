import { DisconnectCodes, ErrorCodes, nestsDeeperThan, type CommandRequests, type ConnectResult, type DataPayload } from '@renum-realtime/protocol';
import { TokenError } from '../../auth/errors.js';
import type { ConnectionClaims } from '../../auth/verifier.js';
import type { ChannelSpec } from '../channels/namespace.js';
import type { CommandOutcome, SessionState as Session } from './context.js';
import { CommandError, DisconnectError, proxyDecision } from './errors.js';
import { clientData, dataOf, setData } from './payload.js';
import { subscribeChannel } from './subscribe.js';
import { connectionTokenFailure } from './token-failure.js';

const ANONYMOUS: ConnectionClaims = { user: '', channels: [], subs: {} };

/**
 * Who connects: the token's claims, or, for a connect without a token when the connect proxy is on
 * (Centrifugo's rule: a token, when given, wins), what the back end answers.
 */
async function authenticate(session: Session, request: CommandRequests['connect']): Promise<{ claims: ConnectionClaims; data?: DataPayload | undefined }> {
  const connectProxy = session.ctx.proxies.connect;
  if (request.token || !connectProxy) return { claims: await verifyConnectToken(session, request.token) };
  const answer = await proxyDecision(connectProxy(session.caller, {
    ...(request.name ? { name: request.name } : {}),
    ...(request.version ? { version: request.version } : {}),
    ...clientData(session, request),
  }));
  session.proxied = answer.meta !== undefined ? { meta: answer.meta } : {};
  const claims: ConnectionClaims = { user: answer.user, info: answer.info, channels: answer.channels ?? [], subs: answer.subs ?? {} };
  if (answer.expire_at) claims.expiresAt = answer.expire_at;
  return { claims, data: dataOf(answer) };
}

async function verifyConnectToken(session: Session, token: string | undefined): Promise<ConnectionClaims> {
  const { client } = session.ctx.config;
  if (!token) {
    if (client.allow_anonymous_connect_without_token || client.insecure) return ANONYMOUS;
    throw new DisconnectError(DisconnectCodes.tokenMissing, 'token required: send a JWT in the connect command');
  }
  try {
    return await session.ctx.verifier.verifyConnectionToken(token);
  } catch (error) {
    if (error instanceof TokenError) {
      session.ctx.events.rejected({ kind: 'connect', reason: error.code, origin: session.meta.origin, remoteAddress: session.meta.remoteAddress, detail: error.message, transport: session.transport.name });
    }
    throw connectionTokenFailure(error, 'error');
  }
}

/** Centrifugo's personal channel: `<namespace>:#<user>`, or `#<user>` without a namespace. */
function personalChannel(session: Session, user: string): string | undefined {
  const personal = session.ctx.config.client.subscribe_to_user_personal_channel;
  if (!personal.enabled || user === '') return undefined;
  return personal.personal_channel_namespace ? `${personal.personal_channel_namespace}:#${user}` : `#${user}`;
}

function serverSideChannels(session: Session, claims: ConnectionClaims): ChannelSpec[] {
  const personal = personalChannel(session, claims.user);
  const names = new Set([...claims.channels, ...Object.keys(claims.subs), ...(personal ? [personal] : [])]);
  return [...names].map((name) => {
    const resolved = session.ctx.channels.resolve(name);
    if (!resolved.ok) throw new CommandError(resolved.error, `token channel ${name}`);
    return resolved.spec;
  });
}

function ttlSeconds(expiresAt: number, now: number): number {
  return Math.max(1, Math.ceil((expiresAt - now) / 1000));
}

export async function handleConnect(session: Session, request: CommandRequests['connect'], id: number): Promise<CommandOutcome> {
  const { config, sessions, metrics, log, version } = session.ctx;
  const limits = config.client;
  if (limits.connection_limit > 0 && sessions.size >= limits.connection_limit) {
    throw new DisconnectError(DisconnectCodes.connectionLimit, 'connection limit: this node is full');
  }
  const { claims, data } = await authenticate(session, request);
  // Claims land in presence, pushes and history: past the depth limit they could not be sent back.
  if (nestsDeeperThan(claims, limits.json_max_depth + 2)) {
    throw new CommandError({ ...ErrorCodes.badRequest, message: `bad request: token claims nested deeper than ${limits.json_max_depth} levels` }, 'json_max_depth');
  }
  if (claims.user !== '' && limits.user_connection_limit > 0 && sessions.countForUser(claims.user) >= limits.user_connection_limit) {
    throw new DisconnectError(DisconnectCodes.connectionLimit, 'connection limit: too many connections for this user');
  }
  const channels = serverSideChannels(session, claims);
  const now = Date.now();
  session.connInfo = claims.info;
  session.expiresAt = claims.expiresAt !== undefined && !limits.insecure ? claims.expiresAt * 1000 : undefined;
  session.establish(claims.user, now);
  session.ctx.established(session);
  const transport = session.transport;
  metrics.connections.inc({ transport: transport.name });
  log.info({ event: 'connect', client: session.clientId, user: session.user, origin: session.meta.origin, user_agent: session.meta.userAgent, name: request.name, transport: transport.name }, 'client connected');
  session.ctx.events.connected({ client: session.clientId, user: session.user, transport: transport.name, at: now });
  if (personalChannel(session, claims.user) && config.client.subscribe_to_user_personal_channel.single_connection) {
    // One connection per user: the others, on any node, are closed as over the connection limit.
    await session.ctx.disconnectEverywhere({ user: claims.user, whitelist: [session.clientId] }, DisconnectCodes.connectionLimit);
  }

  const result: ConnectResult = { client: session.clientId, version };
  setData(result, data);
  if (session.sessionId) result.session = session.sessionId;
  if (transport.emulation) result.node = session.ctx.uid;
  // A proxied connection is refreshed by the gateway asking the refresh proxy: the client has no
  // token to refresh with, so it is not told to.
  if (session.expiresAt !== undefined && !session.proxied) {
    result.expires = true;
    result.ttl = ttlSeconds(session.expiresAt, now);
  }
  if (limits.ping_interval > 0) {
    result.ping = Math.round(limits.ping_interval / 1000);
    if (!transport.unidirectional) result.pong = true;
  }
  const releases: Array<() => void> = [];
  if (channels.length > 0) {
    result.subs = {};
    for (const spec of channels) {
      const options = claims.subs[spec.name];
      const recover = request.subs?.[spec.name];
      const subscribed = await subscribeChannel(session, spec, {
        serverSide: true,
        chanInfo: options?.info,
        data: dataOf(options),
        override: options?.override,
        recover: recover?.recover ? { offset: recover.offset ?? 0, epoch: recover.epoch ?? '' } : undefined,
        joinLeave: false,
      });
      result.subs[spec.name] = subscribed.result;
      releases.push(subscribed.release);
    }
  }
  return { reply: session.codec.reply(id, 'connect', result), afterReply: () => releases.forEach((release) => release()) };
}

export async function handleRefresh(session: Session, request: CommandRequests['refresh'], id: number): Promise<CommandOutcome> {
  const { verifier, config, version } = session.ctx;
  if (config.client.insecure) return { reply: session.codec.reply(id, 'refresh', { client: session.clientId, version, expires: false }) };
  let claims: ConnectionClaims;
  try {
    claims = await verifier.verifyConnectionToken(request.token);
  } catch (error) {
    throw connectionTokenFailure(error, 'close');
  }
  if (claims.user !== session.user) {
    throw new DisconnectError(DisconnectCodes.invalidToken, DisconnectCodes.invalidToken.reason, 'refresh token user does not match the connection');
  }
  if (claims.info !== undefined) session.connInfo = claims.info;
  const now = Date.now();
  session.expiresAt = claims.expiresAt !== undefined ? claims.expiresAt * 1000 : undefined;
  if (session.expiresAt === undefined) {
    return { reply: session.codec.reply(id, 'refresh', { client: session.clientId, version, expires: false }) };
  }
  if (session.expiresAt <= now) throw new CommandError(ErrorCodes.tokenExpired);
  return { reply: session.codec.reply(id, 'refresh', { client: session.clientId, version, expires: true, ttl: ttlSeconds(session.expiresAt, now) }) };
}
