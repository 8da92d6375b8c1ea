import type { ChannelOptions } from '../../config/types.js';
import type { SessionState as Session } from './context.js';

type Action = 'publish' | 'presence' | 'history';

/**
 * Namespace grants for a client-side action (Centrifugo's `allow_<action>_for_client|subscriber|
 * anonymous`): a subscriber or any authenticated client as configured, and anonymous users only
 * when the `_for_anonymous` grant is also on. `client.insecure` lifts every check.
 */
export function mayAct(session: Session, channel: string, options: ChannelOptions, action: Action): boolean {
  if (session.ctx.config.client.insecure) return true;
  if (session.user === '' && !options[`allow_${action}_for_anonymous`]) return false;
  if (options[`allow_${action}_for_client`]) return true;
  return options[`allow_${action}_for_subscriber`] && session.subscriptions.has(channel);
}

/** Subscribing without a token: user-limited channels name their users; otherwise the namespace grants. */
export function maySubscribe(session: Session, options: ChannelOptions, allowedUsers: string[] | undefined): boolean {
  if (options.allow_user_limited_channels && allowedUsers) {
    return session.user !== '' && allowedUsers.includes(session.user);
  }
  if (session.ctx.config.client.insecure) return true;
  if (!options.allow_subscribe_for_client) return false;
  return session.user !== '' || options.allow_subscribe_for_anonymous;
}
