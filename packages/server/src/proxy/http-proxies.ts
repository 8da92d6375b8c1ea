import type { DataPayload, JsonValue } from '@renum-realtime/protocol';
import { TokenError } from '../auth/errors.js';
import { parseSubs } from '../auth/claims.js';
import type { ChannelSpec, ConnectProxyResult, EventProxies, ProxyCaller, ProxyOutcome, PublishProxyResult, RefreshProxyResult, RpcProxyResult, SubscribeProxyResult } from '../core/index.js';
import { ConfigError } from '../config/errors.js';
import type { ProxyConfig, RealtimeConfig } from '../config/types.js';
import { ProxyClient, ProxyFailure, type ProxyEvent, type ProxyServices } from './client.js';

type Decode<R> = (result: Record<string, unknown>) => R;

const optionalNumber = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : undefined);
const strings = (value: unknown) => (Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : undefined);

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** Server-side subscriptions in a connect answer: a connection token's `subs`, read by the same rules. */
function subsOf(value: unknown): ConnectProxyResult['subs'] {
  if (value === undefined || value === null) return undefined;
  try {
    return parseSubs(value);
  } catch (error) {
    if (error instanceof TokenError) throw new ProxyFailure('malformed', `subs: ${error.message}`);
    throw error;
  }
}

const decodeConnect: Decode<ConnectProxyResult> = (r) => withoutUndefined({
  user: typeof r.user === 'string' ? r.user : '',
  expire_at: optionalNumber(r.expire_at),
  info: ProxyClient.decoded(r, 'info'),
  ...ProxyClient.bytesOrJson(r),
  channels: strings(r.channels),
  subs: subsOf(r.subs),
  meta: r.meta as JsonValue | undefined,
});
const decodeRefresh: Decode<RefreshProxyResult> = (r) => withoutUndefined({ expired: r.expired === true, expire_at: optionalNumber(r.expire_at), info: ProxyClient.decoded(r, 'info') });
const decodeSubscribe: Decode<SubscribeProxyResult> = (r) => withoutUndefined({
  info: ProxyClient.decoded(r, 'info'),
  ...ProxyClient.bytesOrJson(r),
  expire_at: optionalNumber(r.expire_at),
  override: overrideOf(r.override),
});
const decodePublish: Decode<PublishProxyResult> = (r) => withoutUndefined({ ...ProxyClient.bytesOrJson(r), skip_history: r.skip_history === true ? true : undefined });
const decodeRpc: Decode<RpcProxyResult> = (r) => ProxyClient.bytesOrJson(r);

/** A client's data for the back end: binary data is base64 already, so it goes as `b64data` whatever `binary_encoding` says. */
const clientData = (client: ProxyClient, request: DataPayload): Record<string, unknown> =>
  request.binary ? { b64data: request.data } : client.payload('data', request.data);

/** Centrifugo's override wraps each flag as `{"value": bool}`. */
function overrideOf(value: unknown): SubscribeProxyResult['override'] {
  if (typeof value !== 'object' || value === null) return undefined;
  const flags: Record<string, boolean> = {};
  for (const key of ['presence', 'join_leave', 'force_push_join_leave', 'force_recovery', 'force_positioning']) {
    const wrapped = (value as Record<string, unknown>)[key];
    if (typeof wrapped === 'object' && wrapped !== null && typeof (wrapped as { value?: unknown }).value === 'boolean') flags[key] = (wrapped as { value: boolean }).value;
  }
  return Object.keys(flags).length > 0 ? flags : undefined;
}

/** What every proxy request starts with (Centrifugo's proxy request base fields). */
function base(client: ProxyClient, caller: ProxyCaller, withMeta: boolean): Record<string, unknown> {
  return {
    client: caller.client,
    transport: caller.transport,
    protocol: caller.protocol,
    encoding: client.encoding,
    ...(caller.user !== undefined ? { user: caller.user } : {}),
    ...(withMeta ? client.payload('meta', caller.connectionMeta) : {}),
  };
}

function ask<R>(client: ProxyClient, config: ProxyConfig, decode: Decode<R>, fields: (caller: ProxyCaller) => Record<string, unknown>) {
  return (caller: ProxyCaller): Promise<ProxyOutcome<R>> => client.call(caller.meta, { ...base(client, caller, config.include_connection_meta), ...fields(caller) }, decode);
}

/**
 * The event proxies the configuration turns on, with Centrifugo v6's keys: `client.proxy.connect`
 * and `.refresh`; `channel.proxy.*` as the proxy named "default" for namespaces that enable it,
 * or an entry of `proxies` named by `*_proxy_name`; `rpc.proxy` likewise for RPC namespaces.
 * A namespace naming a proxy that does not exist, or a proxy without an endpoint, stops the start.
 */
export function createEventProxies(config: RealtimeConfig, services: ProxyServices): EventProxies {
  const problems: string[] = [];
  const named = new Map(config.proxies.map((proxy) => [proxy.name, proxy]));
  const clients = new Map<string, ProxyClient>();
  const forwardedHeaders = new Set<string>();

  const client = (name: string, event: ProxyEvent, proxy: ProxyConfig | undefined, where: string): { client: ProxyClient; config: ProxyConfig } | undefined => {
    if (!proxy) {
      problems.push(`${where}: no proxy named "${name}" — add it to proxies, or use "default"`);
      return undefined;
    }
    if (!proxy.endpoint) {
      problems.push(`${where}: proxy "${name}" has no endpoint — set its endpoint to the back end URL`);
      return undefined;
    }
    const key = `${name}/${event}`;
    for (const header of proxy.http_headers) forwardedHeaders.add(header.toLowerCase());
    if (!clients.has(key)) clients.set(key, new ProxyClient(name, event, { ...proxy, endpoint: proxy.endpoint }, services));
    return { client: clients.get(key)!, config: proxy };
  };

  const channelProxy = (spec: Pick<ChannelSpec, 'namespace' | 'options'>, event: 'subscribe' | 'publish' | 'sub_refresh') => {
    const options = spec.options;
    if (!options[`${event}_proxy_enabled`]) return undefined;
    const name = options[`${event}_proxy_name`];
    const where = `channel.${spec.namespace ? `namespaces[${spec.namespace}]` : 'without_namespace'}.${event}_proxy_name`;
    return client(name, event, name === 'default' ? config.channel.proxy[event] : named.get(name), where);
  };

  const rpcProxy = (method: string) => {
    const boundary = method.indexOf(config.rpc.namespace_boundary);
    const namespace = boundary === -1 ? '' : method.slice(0, boundary);
    const options = (namespace && config.rpc.namespaces.find((ns) => ns.name === namespace)) || config.rpc.without_namespace;
    if (!options.proxy_enabled) return undefined;
    return client(options.proxy_name, 'rpc', options.proxy_name === 'default' ? config.rpc.proxy : named.get(options.proxy_name), `rpc proxy_name of ${namespace || 'without_namespace'}`);
  };

  // Every reference is checked now, so a typo stops the start instead of failing a live client.
  for (const spec of [{ namespace: '', options: config.channel.without_namespace }, ...config.channel.namespaces.map((ns) => ({ namespace: ns.name, options: ns }))]) {
    for (const event of ['subscribe', 'publish', 'sub_refresh'] as const) channelProxy(spec, event);
  }
  for (const ns of [config.rpc.without_namespace, ...config.rpc.namespaces]) if (ns.proxy_enabled) rpcProxy('name' in ns ? `${ns.name}${config.rpc.namespace_boundary}x` : 'x');
  const { connect: connectConfig, refresh: refreshConfig } = config.client.proxy;
  const connect = connectConfig.enabled ? client('connect', 'connect', connectConfig, 'client.proxy.connect') : undefined;
  const refresh = refreshConfig.enabled ? client('refresh', 'refresh', refreshConfig, 'client.proxy.refresh') : undefined;
  if (problems.length > 0) throw new ConfigError(problems);

  return {
    forwardedHeaders,
    ...(connect ? {
      connect: (caller, request) => ask(connect.client, { ...connect.config, include_connection_meta: false }, decodeConnect, () => ({
        ...(request.name ? { name: request.name } : {}),
        ...(request.version ? { version: request.version } : {}),
        ...clientData(connect.client, request),
      }))(caller),
    } : {}),
    ...(refresh ? { refresh: (caller) => ask(refresh.client, refresh.config, decodeRefresh, () => ({}))(caller) } : {}),
    subscribe(spec) {
      const proxy = channelProxy(spec, 'subscribe');
      return proxy && ((caller, request) => ask(proxy.client, proxy.config, decodeSubscribe, () => ({ channel: request.channel, ...clientData(proxy.client, request) }))(caller));
    },
    publish(spec) {
      const proxy = channelProxy(spec, 'publish');
      return proxy && ((caller, request) => ask(proxy.client, proxy.config, decodePublish, () => ({ channel: request.channel, ...clientData(proxy.client, request) }))(caller));
    },
    subRefresh(spec) {
      const proxy = channelProxy(spec, 'sub_refresh');
      return proxy && ((caller, request) => ask(proxy.client, proxy.config, decodeRefresh, () => ({ channel: request.channel }))(caller));
    },
    rpc(method) {
      const proxy = rpcProxy(method);
      return proxy && ((caller, request) => ask(proxy.client, proxy.config, decodeRpc, () => ({ method: request.method, ...clientData(proxy.client, request) }))(caller));
    },
  };
}
