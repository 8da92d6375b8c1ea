import { ApiErrorCodes, DisconnectCodes, type Publication } from '@renum-realtime/protocol';
import { TOKEN_ERRORS, TokenError } from '../auth/errors.js';
import { BrokerUnavailableError, UnrecoverablePositionError } from '../broker/broker.js';
import type { ControlCommand } from '../broker/control.js';
import { hasHistory, historyOptions, type ChannelSpec } from '../core/channels/namespace.js';
import { withoutDeltaFlag } from '../core/channels/hub.js';
import type { RealtimeNode } from '../core/node.js';
import { globToRegExp } from '../policy/origin.js';
import { ApiError } from './errors.js';
import { apiSchemas, batchSchema, describeIssues, type ApiRequest } from './schemas.js';

type Handler<M extends keyof typeof apiSchemas> = (node: RealtimeNode, request: ApiRequest<M>) => Promise<object>;

function resolve(node: RealtimeNode, channel: string): ChannelSpec {
  const resolved = node.channels.resolve(channel);
  if (!resolved.ok) {
    throw new ApiError(resolved.error.code === 102 ? ApiErrorCodes.unknownChannel : ApiErrorCodes.badRequest, `channel ${channel}`);
  }
  return resolved.spec;
}

/** A publication as the API answers it: binary data as `b64data`, without the stored delta request. */
function apiPublication(stored: Publication): Record<string, unknown> {
  const { binary, data, ...rest } = withoutDeltaFlag(stored);
  return binary ? { ...rest, b64data: data } : { ...rest, data };
}

async function publishTo(node: RealtimeNode, channel: string, request: ApiRequest<'publish'> | ApiRequest<'broadcast'>): Promise<object> {
  const spec = resolve(node, channel);
  const publication: Publication = request.b64data !== undefined ? { data: request.b64data, binary: true } : { data: request.data };
  if (request.tags) publication.tags = request.tags;
  if (request.delta && !spec.options.allowed_delta_types.includes('fossil')) {
    throw new ApiError(ApiErrorCodes.badRequest, `delta publish to ${channel}: its namespace does not allow delta (set allowed_delta_types: ["fossil"])`);
  }
  const target = request.skip_history ? { ...spec, options: { ...spec.options, history_size: 0 } } : spec;
  const idempotency = request.idempotency_key ? { key: request.idempotency_key, resultTtl: node.config.engine.idempotent_result_ttl } : undefined;
  const position = await node.hub.publish(target, publication, 'api', request.delta, idempotency);
  return position ? { offset: position.offset, epoch: position.epoch } : {};
}

type ControlMethod = 'subscribe' | 'unsubscribe' | 'disconnect' | 'refresh';
type LocalHandler<M extends ControlMethod> = (node: RealtimeNode, request: ApiRequest<M>) => Promise<void>;

/** Server API calls that act on connections: every node runs them on its own connections. */
const onThisNode: { [M in ControlMethod]: LocalHandler<M> } = {
  async subscribe(node, request) {
    await node.subscribe(request, resolve(node, request.channel), {
      chanInfo: request.info,
      data: request.b64data !== undefined ? { data: request.b64data, binary: true } : request.data !== undefined ? { data: request.data } : undefined,
      ...(request.recover_since ? { recover: request.recover_since } : {}),
      ...(request.expire_at ? { expiresAt: request.expire_at * 1000 } : {}),
    });
  },

  async unsubscribe(node, request) {
    node.unsubscribe(request, request.channel);
  },

  async disconnect(node, request) {
    const custom = request.disconnect;
    const code = custom ? { code: custom.code, reason: custom.reason, reconnect: custom.code < 3500 || (custom.code >= 4000 && custom.code < 4500) } : DisconnectCodes.forceDisconnect;
    node.disconnect(request, code, code.reason);
  },

  async refresh(node, request) {
    node.refresh(request, {
      ...(request.expired ? { expired: true } : {}),
      ...(request.info !== undefined ? { info: request.info } : {}),
      ...(request.expire_at ? { expireAt: request.expire_at } : {}),
    });
  },
};

/**
 * `{}` as Centrifugo answers, once every live node confirmed it ran the command. A node that did
 * not is named in a 116 (temporary: the caller retries, and the command is safe to repeat); the
 * nodes that answered have run it all the same.
 */
async function broadcastControl<M extends ControlMethod>(node: RealtimeNode, method: M, request: ApiRequest<M>): Promise<object> {
  const missing = await node.control.broadcast({ method, request: request as Record<string, unknown> });
  if (missing.length > 0) {
    const names = missing.map(({ uid, name }) => `${name} (${uid})`).join(', ');
    throw new ApiError(ApiErrorCodes.temporarilyUnavailable, `${method} ran on the nodes that answered, but ${missing.length === 1 ? 'node' : 'nodes'} ${names} did not confirm it; retry to reach ${missing.length === 1 ? 'it' : 'them'}`);
  }
  return {};
}

/** Runs a control command (from this node or another) on this node's connections. */
export async function applyControlCommand(node: RealtimeNode, command: ControlCommand): Promise<void> {
  const method = command.method as ControlMethod;
  const parsed = Object.hasOwn(onThisNode, method) ? apiSchemas[method].safeParse(command.request) : undefined;
  if (!parsed?.success) {
    node.log.warn({ event: 'control_command_invalid', method: command.method.slice(0, 64) }, 'control command ignored');
    // The asking node learns this node did not run it.
    throw new Error(`control command ${command.method.slice(0, 64)} is not valid`);
  }
  const handler = onThisNode[method] as LocalHandler<ControlMethod>;
  await handler(node, parsed.data as never);
}

const handlers: { [M in keyof typeof apiSchemas]: Handler<M> } = {
  publish: (node, request) => publishTo(node, request.channel, request),

  async broadcast(node, request) {
    const responses = await Promise.all(
      request.channels.map(async (channel) => {
        try {
          return { result: await publishTo(node, channel, request) };
        } catch (error) {
          return { error: errorBody(error) };
        }
      }),
    );
    return { responses };
  },

  subscribe: (node, request) => broadcastControl(node, 'subscribe', request),
  unsubscribe: (node, request) => broadcastControl(node, 'unsubscribe', request),
  disconnect: (node, request) => broadcastControl(node, 'disconnect', request),
  refresh: (node, request) => broadcastControl(node, 'refresh', request),

  async presence(node, request) {
    const spec = resolve(node, request.channel);
    if (!spec.options.presence) throw new ApiError(ApiErrorCodes.notAvailable, 'presence is off for this channel');
    return { presence: await node.presence.get(spec.name) };
  },

  async presence_stats(node, request) {
    const spec = resolve(node, request.channel);
    if (!spec.options.presence) throw new ApiError(ApiErrorCodes.notAvailable, 'presence is off for this channel');
    const stats = await node.presence.stats(spec.name);
    return { num_clients: stats.numClients, num_users: stats.numUsers };
  },

  async history(node, request) {
    const spec = resolve(node, request.channel);
    if (!hasHistory(spec.options)) throw new ApiError(ApiErrorCodes.notAvailable, 'history is off for this channel');
    const max = node.config.client.history_max_publication_limit;
    const requested = request.limit ?? 0;
    try {
      const page = await node.broker.history(
        spec.name,
        { limit: requested < 0 || requested > max ? max : requested, reverse: !!request.reverse, ...(request.since ? { since: request.since } : {}) },
        historyOptions(spec.options),
      );
      return { publications: page.publications.map(apiPublication), epoch: page.position.epoch, offset: page.position.offset };
    } catch (error) {
      if (error instanceof UnrecoverablePositionError) throw new ApiError(ApiErrorCodes.unrecoverablePosition);
      throw error;
    }
  },

  async history_remove(node, request) {
    const spec = resolve(node, request.channel);
    await node.broker.removeHistory(spec.name);
    return {};
  },

  async channels(node, request) {
    const matcher = request.pattern ? globToRegExp(request.pattern) : undefined;
    const channels: Record<string, { num_clients: number }> = {};
    for (const [name, count] of node.hub.counts()) {
      if (!matcher || matcher.test(name)) channels[name] = { num_clients: count };
    }
    return { channels };
  },

  async info(node) {
    return { nodes: await node.control.nodes() };
  },

  /**
   * The cause a client is not told when its token is refused (close 3500 "invalid token"): only
   * an API key holder, who may disconnect anyone anyway, learns which check failed.
   */
  async token_check(node, request) {
    try {
      const claims = await node.verifier.verifyConnectionToken(request.token);
      return { valid: true, user: claims.user, ...(claims.expiresAt !== undefined ? { expire_at: claims.expiresAt } : {}) };
    } catch (error) {
      if (!(error instanceof TokenError)) throw error;
      return { valid: false, code: error.code, message: error.message, explanation: TOKEN_ERRORS[error.code].explanation };
    }
  },
};

export function errorBody(error: unknown): { code: number; message: string } {
  if (error instanceof ApiError) return { code: error.error.code, message: error.message };
  if (error instanceof BrokerUnavailableError) return { code: ApiErrorCodes.temporarilyUnavailable.code, message: ApiErrorCodes.temporarilyUnavailable.message };
  return { code: ApiErrorCodes.internal.code, message: ApiErrorCodes.internal.message };
}

/** A server API method added by an extension: validates its own body, throws ApiError on failure. */
export type ExtensionApiMethod = (node: RealtimeNode, body: unknown) => Promise<object>;

/**
 * The server API of one node: Centrifugo's methods plus those extensions add. The HTTP endpoint
 * and the admin pages call it; it reaches the core only through the node's public methods.
 */
export class ServerApi {
  constructor(
    readonly node: RealtimeNode,
    private readonly extensions: ReadonlyMap<string, ExtensionApiMethod> = new Map(),
  ) {}

  has(method: string): boolean {
    return method === 'batch' || Object.hasOwn(handlers, method) || this.extensions.has(method);
  }

  /** Validates and runs one API method; throws ApiError for domain errors. */
  async call(method: string, body: unknown): Promise<object> {
    if (method === 'batch') return this.batch(body);
    const extension = this.extensions.get(method);
    if (extension) return extension(this.node, body);
    const schema = apiSchemas[method as keyof typeof apiSchemas];
    const parsed = schema.safeParse(body ?? {});
    if (!parsed.success) throw new ApiError(ApiErrorCodes.badRequest, describeIssues(parsed.error));
    const handler = handlers[method as keyof typeof apiSchemas] as Handler<keyof typeof apiSchemas>;
    try {
      return await handler(this.node, parsed.data as never);
    } catch (error) {
      // The driver's own words stay in the log: callers learn what to do, not how Redis failed.
      if (error instanceof BrokerUnavailableError) {
        this.node.log.warn({ event: 'api_broker_unavailable', method, err: error.message }, 'server API call failed: broker unreachable');
        throw new ApiError(ApiErrorCodes.temporarilyUnavailable, 'the broker (Redis) did not answer; retry');
      }
      throw error;
    }
  }

  private async batch(body: unknown): Promise<object> {
    const parsed = batchSchema.safeParse(body ?? {});
    if (!parsed.success) throw new ApiError(ApiErrorCodes.badRequest, describeIssues(parsed.error));
    const runOne = async (command: Record<string, unknown>): Promise<object> => {
      const [method, ...extra] = Object.keys(command);
      if (!method || extra.length > 0 || method === 'batch' || !this.has(method)) {
        return { error: { code: ApiErrorCodes.notFound.code, message: `unknown batch command ${method ?? ''}` } };
      }
      try {
        return { [method]: await this.call(method, command[method]) };
      } catch (error) {
        return { error: errorBody(error) };
      }
    };
    const { commands, parallel } = parsed.data;
    if (parallel) return { replies: await Promise.all(commands.map(runOne)) };
    const replies: object[] = [];
    for (const command of commands) replies.push(await runOne(command));
    return { replies };
  }
}
