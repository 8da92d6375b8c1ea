import { ErrorCodes } from '@renum-realtime/protocol';
import type { ProtocolSession } from './protocol.js';
import { failure, type StepOutcome } from './types.js';

const SUBSCRIBE_FIXES: Record<number, string> = {
  [ErrorCodes.permissionDenied.code]: 'The namespace does not let clients subscribe: set allow_subscribe_for_client (or allow_subscribe_for_anonymous for anonymous users), or subscribe with a subscription token (private $ channels).',
  [ErrorCodes.unknownChannel.code]: 'The channel namespace (the part before ":") is not configured: add it to channel.namespaces, or fix the channel name.',
  [ErrorCodes.limitExceeded.code]: 'The connection reached client.channel_limit.',
  [ErrorCodes.badRequest.code]: 'The channel name is invalid (too long, or characters outside the allowed set).',
};

/** Step 7: subscribe to `--channel` as the SDK would. */
export async function checkSubscribe(session: ProtocolSession, channel: string, timeoutMs: number): Promise<StepOutcome> {
  const answer = await session.request('subscribe', { channel, flag: 1 }, timeoutMs);
  if ('timeout' in answer) return failure('subscribe_timeout', `no reply to subscribe ${channel}`, 'Check the gateway logs.');
  if ('closed' in answer) {
    return failure(`closed_${answer.closed.code}`, `the gateway closed with ${answer.closed.code} "${answer.closed.reason}" on subscribe`, 'See the gateway logs for this client.');
  }
  const { reply } = answer;
  if (reply.error) {
    const { code, message } = reply.error as { code: number; message: string };
    return failure(`subscribe_error_${code}`, `subscribe ${channel} was refused: error ${code} "${message}"`, SUBSCRIBE_FIXES[code] ?? 'See the gateway logs and the README code table.');
  }
  const result = reply.subscribe as { recoverable?: boolean; offset?: number; epoch?: string };
  return { details: [`subscribed to ${channel}${result.recoverable ? `, recoverable (offset ${result.offset ?? 0}, epoch ${result.epoch})` : ''}`] };
}
