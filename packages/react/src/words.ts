import { connectingCodes, disconnectedCodes } from 'centrifuge';
import { DisconnectCodes, type DisconnectCodeName } from '@renum-realtime/protocol/codes';

/**
 * Close codes in plain words for a banner. Gateway codes come from the protocol table, so a new
 * code there fails the type check here until it has words; SDK-local codes (below 3000) come from
 * the `centrifuge` client and mean different things while connecting and once disconnected.
 */
const gatewayWords = {
  shutdown: 'The server is restarting.',
  internalError: 'The server hit an internal error.',
  connectionExpired: 'Your session expired and is being renewed.',
  subscriptionExpired: 'A channel permission expired and is being renewed.',
  slow: 'The connection was too slow to keep up.',
  writeError: 'The server could not write to this connection.',
  insufficientState: 'The server lost track of this connection.',
  forceReconnect: 'The server asked this page to reconnect.',
  noPong: 'This page stopped answering the server.',
  tooManyRequests: 'This page sent too many requests.',
  invalidToken: 'The server refused your sign-in token.',
  badRequest: 'The server refused a malformed request.',
  tokenMissing: 'The server needs a sign-in token and got none.',
  stale: 'The connection did not sign in in time.',
  forceDisconnect: 'The server ended this session.',
  connectionLimit: 'You have too many open connections.',
  permissionDenied: 'You are not allowed to connect.',
  notAvailable: 'The server does not offer what this page asked for.',
  tooManyErrors: 'This page sent too many requests the server refused.',
  idleTimeout: 'The connection was closed because it was idle.',
  messageTooBig: 'A message was too big for the server.',
} as const satisfies Record<DisconnectCodeName, string>;

const connectingWords: Record<number, string> = {
  [connectingCodes.transportClosed]: 'Lost the connection to the server.',
  [connectingCodes.noPing]: 'The server stopped answering.',
  [connectingCodes.subscribeTimeout]: 'The server did not answer a subscription in time.',
  [connectingCodes.unsubscribeError]: 'The server failed to unsubscribe a channel.',
};

const disconnectedWords: Record<number, string> = {
  [disconnectedCodes.disconnectCalled]: 'Disconnected by this page.',
  [disconnectedCodes.unauthorized]: 'You are not allowed to connect: the app refused to issue a sign-in token.',
  [disconnectedCodes.badProtocol]: 'The server spoke a protocol this page does not understand.',
  [disconnectedCodes.messageSizeLimit]: 'A message was too big for the server.',
};

const byCode = new Map<number, string>();
for (const [name, entry] of Object.entries(DisconnectCodes)) {
  // 3501 is shared by "bad request" and "token required": the first entry's words stand for both.
  if (!byCode.has(entry.code)) byCode.set(entry.code, gatewayWords[name as DisconnectCodeName]);
}

/** Plain words for a `connecting` (will retry) or `disconnected` (stopped) event of the SDK. */
export function describeClose(code: number, reason: string, phase: 'connecting' | 'disconnected'): string {
  // SDK-local codes (below 1000) are not the server's: their number means nothing to a user.
  const local = code < 1000 ? (phase === 'connecting' ? connectingWords[code] : disconnectedWords[code]) : undefined;
  if (local) return local;
  const words = byCode.get(code) ?? 'The connection closed.';
  return reason && !words.toLowerCase().includes(reason.toLowerCase()) ? `${words} (${reason}, code ${code})` : `${words} (code ${code})`;
}
