import { DisconnectCodes, ErrorCodes, type CommandRequests, type Publication } from '@renum-realtime/protocol';
import { UnrecoverablePositionError } from '../../broker/broker.js';
import { withoutDeltaFlag } from '../channels/hub.js';
import { hasHistory, historyOptions, type ChannelSpec } from '../channels/namespace.js';
import { RpcError, type CommandOutcome, type SessionState as Session } from './context.js';
import { CommandError, DisconnectError, proxyDecision } from './errors.js';
import { clientData, dataOf, setData } from './payload.js';
import { mayAct } from './permissions.js';
import { resolveChannel } from './subscribe.js';

function authorized(session: Session, channel: string, action: 'publish' | 'presence' | 'history'): ChannelSpec {
  const spec = resolveChannel(session, channel);
  if (action === 'presence' && !spec.options.presence) throw new CommandError(ErrorCodes.notAvailable, 'presence is off');
  if (action === 'history' && !hasHistory(spec.options)) throw new CommandError(ErrorCodes.notAvailable, 'history is off');
  if (!mayAct(session, channel, spec.options, action)) throw new CommandError(ErrorCodes.permissionDenied, `${action} ${channel}`);
  return spec;
}

export async function handlePublish(session: Session, request: CommandRequests['publish'], id: number): Promise<CommandOutcome> {
  if (request.data === undefined) throw new CommandError(ErrorCodes.badRequest, 'publish without data');
  const resolved = resolveChannel(session, request.channel);
  const askProxy = session.ctx.proxies.publish(resolved);
  const data = clientData(session, request);
  // With a publish proxy the back end decides, and may rewrite the data, instead of allow_publish_*.
  const answer = askProxy ? await proxyDecision(askProxy(session.caller, { channel: request.channel, ...data })) : undefined;
  const spec = answer ? resolved : authorized(session, request.channel, 'publish');
  const sub = session.subscriptions.get(request.channel);
  const publication: Publication = { data: request.data };
  setData(publication, dataOf(answer) ?? data);
  publication.info = sub ? session.subscriberInfo(sub) : session.clientInfo;
  const target = answer?.skip_history ? { ...spec, options: { ...spec.options, history_size: 0 } } : spec;
  await session.ctx.hub.publish(target, publication, 'client');
  return { reply: session.codec.reply(id, 'publish', {}) };
}

export async function handlePresence(session: Session, request: CommandRequests['presence'], id: number): Promise<CommandOutcome> {
  authorized(session, request.channel, 'presence');
  const presence = await session.ctx.presence.get(request.channel);
  return { reply: session.codec.reply(id, 'presence', { presence }) };
}

export async function handlePresenceStats(session: Session, request: CommandRequests['presence_stats'], id: number): Promise<CommandOutcome> {
  authorized(session, request.channel, 'presence');
  const stats = await session.ctx.presence.stats(request.channel);
  return { reply: session.codec.reply(id, 'presence_stats', { num_clients: stats.numClients, num_users: stats.numUsers }) };
}

export async function handleHistory(session: Session, request: CommandRequests['history'], id: number): Promise<CommandOutcome> {
  const spec = authorized(session, request.channel, 'history');
  const max = session.ctx.config.client.history_max_publication_limit;
  const requested = request.limit ?? 0;
  const limit = requested < 0 || requested > max ? max : requested;
  const since = request.since;
  if (since && !(Number.isSafeInteger(since.offset) && since.offset >= 0 && typeof (since.epoch ?? '') === 'string')) {
    throw new CommandError(ErrorCodes.badRequest, 'history since must be {offset, epoch}');
  }
  if (since && request.reverse && since.offset === 0) throw new CommandError(ErrorCodes.badRequest, 'reverse history from offset 0');
  try {
    const page = await session.ctx.broker.history(
      request.channel,
      { limit, reverse: !!request.reverse, ...(since ? { since: { offset: since.offset, epoch: since.epoch ?? '' } } : {}) },
      historyOptions(spec.options),
    );
    return { reply: session.codec.reply(id, 'history', { publications: page.publications.map(withoutDeltaFlag), epoch: page.position.epoch, offset: page.position.offset }) };
  } catch (error) {
    if (error instanceof UnrecoverablePositionError) throw new CommandError(ErrorCodes.unrecoverablePosition);
    throw error;
  }
}

export async function handleRpc(session: Session, request: CommandRequests['rpc'], id: number): Promise<CommandOutcome> {
  const handlers = session.ctx.rpcHandlers;
  const method = request.method ?? '';
  const handler = handlers.get(method);
  const data = clientData(session, request);
  // Methods registered in the gateway answer first; the rest go to the RPC proxy when one is on.
  const askProxy = handler ? undefined : session.ctx.proxies.rpc(method);
  if (askProxy) {
    const answer = await proxyDecision(askProxy(session.caller, { method, ...data }));
    const result = {};
    setData(result, answer);
    return { reply: session.codec.reply(id, 'rpc', result) };
  }
  if (handlers.size === 0) throw new CommandError(ErrorCodes.notAvailable, 'no rpc handlers registered');
  if (!handler) throw new CommandError(ErrorCodes.methodNotFound, `rpc method ${method}`);
  if (data.binary) throw new CommandError({ ...ErrorCodes.badRequest, message: 'bad request: rpc data is not JSON; gateway rpc handlers take JSON, the RPC proxy takes bytes' }, 'binary rpc data');
  try {
    const data = await handler({ user: session.user, client: session.clientId, connInfo: session.connInfo, data: request.data ?? null });
    return { reply: session.codec.reply(id, 'rpc', data === undefined ? {} : { data }) };
  } catch (error) {
    if (error instanceof RpcError) throw new CommandError({ code: error.code, message: error.message, temporary: false });
    throw error;
  }
}

/** Fire-and-forget messages need a handler; Centrifugo closes with 3508 when there is none. */
export async function handleSend(): Promise<CommandOutcome> {
  throw new DisconnectError(DisconnectCodes.notAvailable, 'not available: send is not handled by this server');
}
