import { ErrorCodes, type ErrorCode } from '@renum-realtime/protocol';
import type { HistoryOptions } from '../../broker/broker.js';
import type { ChannelOptions, RealtimeConfig } from '../../config/types.js';

/** What a channel name says about itself: its namespace options and access rules. */
export interface ChannelSpec {
  name: string;
  namespace: string;
  options: ChannelOptions;
  /** `$`-prefixed: subscribing needs a subscription token. */
  isPrivate: boolean;
  /** Users named after `#` (user-limited channels), or undefined when the name has no `#`. */
  allowedUsers?: string[];
}

export type ChannelResolution = { ok: true; spec: ChannelSpec } | { ok: false; error: ErrorCode };

const PRIVATE_PREFIX = '$';
const NAMESPACE_BOUNDARY = ':';
const USER_BOUNDARY = '#';
const USER_SEPARATOR = ',';
const ASCII_ONLY = /^[\x20-\x7e]*$/;
/** How many resolved names are kept; the oldest goes first. */
const RECENT_RESOLUTIONS = 4096;

/** Resolves channel names to their options, following Centrifugo's channel grammar (protocol.md §7). */
export class ChannelRegistry {
  private readonly namespaces = new Map<string, { options: ChannelOptions; regex?: RegExp }>();
  /**
   * A name resolves the same way for the life of the config, so recent specs are kept: the
   * subscribers of one channel then share one frozen spec and its name, not a copy each.
   */
  private readonly recent = new Map<string, ChannelResolution>();

  constructor(private readonly config: RealtimeConfig['channel']) {
    for (const ns of config.namespaces) {
      this.namespaces.set(ns.name, {
        options: ns,
        ...(ns.channel_regex ? { regex: new RegExp(ns.channel_regex) } : {}),
      });
    }
  }

  resolve(channel: string): ChannelResolution {
    const known = this.recent.get(channel);
    if (known) return known;
    const resolution = this.resolveAfresh(channel);
    if (!resolution.ok) return resolution;
    if (this.recent.size >= RECENT_RESOLUTIONS) this.recent.delete(this.recent.keys().next().value!);
    this.recent.set(channel, resolution);
    return resolution;
  }

  private resolveAfresh(channel: string): ChannelResolution {
    if (channel.length > this.config.max_length) return { ok: false, error: ErrorCodes.badRequest };
    const isPrivate = channel.startsWith(PRIVATE_PREFIX);
    const bare = isPrivate ? channel.slice(1) : channel;
    const boundary = bare.indexOf(NAMESPACE_BOUNDARY);
    const namespace = boundary === -1 ? '' : bare.slice(0, boundary);
    const rest = boundary === -1 ? bare : bare.slice(boundary + 1);
    let options: ChannelOptions = this.config.without_namespace;
    let regex: RegExp | undefined;
    if (namespace !== '') {
      const found = this.namespaces.get(namespace);
      if (!found) return { ok: false, error: ErrorCodes.unknownChannel };
      options = found.options;
      regex = found.regex;
    }
    if (regex ? !regex.test(rest) : !ASCII_ONLY.test(channel)) {
      return { ok: false, error: ErrorCodes.badRequest };
    }
    const userBoundary = rest.lastIndexOf(USER_BOUNDARY);
    const spec: ChannelSpec = { name: channel, namespace, options, isPrivate };
    if (userBoundary !== -1) {
      spec.allowedUsers = Object.freeze(rest.slice(userBoundary + 1).split(USER_SEPARATOR).filter((u) => u !== '')) as string[];
    }
    return Object.freeze({ ok: true, spec: Object.freeze(spec) });
  }
}

export function hasHistory(options: ChannelOptions): boolean {
  return options.history_size > 0 && options.history_ttl > 0;
}

/** How the broker keeps a channel's stream, from its namespace options. */
export function historyOptions(options: ChannelOptions): HistoryOptions {
  return { size: options.history_size, ttl: options.history_ttl, metaTtl: options.history_meta_ttl };
}
