import type { Command, CommandRequests } from '@renum-realtime/protocol';
import { handleConnect, handleRefresh } from './connect.js';
import { handleHistory, handlePresence, handlePresenceStats, handlePublish, handleRpc, handleSend } from './commands.js';
import type { Session } from './session.js';
import { handleSubRefresh, handleSubscribe, handleUnsubscribe } from './subscribe.js';

export interface CommandOutcome {
  /** The encoded reply; absent for `send`, which has none. */
  reply?: string;
  /** Runs once the frame's replies are written, e.g. to release publications held during a subscribe. */
  afterReply?: () => void;
}

type Handler<M extends keyof CommandRequests> = (session: Session, request: CommandRequests[M], id: number) => Promise<CommandOutcome>;

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

export function dispatchCommand(session: Session, command: Command): Promise<CommandOutcome> {
  const handler = handlers[command.method] as Handler<typeof command.method>;
  return handler(session, command.request as never, command.id);
}
