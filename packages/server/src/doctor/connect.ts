import { DisconnectCodes, ErrorCodes } from '@renum-realtime/protocol';
import { TOKEN_ERRORS, type TokenErrorCode } from '../auth/errors.js';
import { postApi } from './api.js';
import { ProtocolSession, type Answer } from './protocol.js';
import { TOKEN_FIXES, describeToken, formatDuration, type TokenView } from './token.js';
import { failure, type StepOutcome } from './types.js';

export interface Connected {
  session: ProtocolSession;
  /** ms from the connect reply; 0 when the server does not ping. */
  pingIntervalMs: number;
  connectedAt: number;
}

function tokenFailure(code: TokenErrorCode, serverSaid: string, view: TokenView, details: string[]): StepOutcome {
  const seen = view.problems.find((p) => p.code === code)?.cause;
  // The server stops at the first failed check; the next ones would fail after this fix.
  const next = view.problems.filter((p) => p.code !== code).map((p) => p.cause);
  const cause = `${serverSaid}: ${TOKEN_ERRORS[code].explanation}${seen ? ` The token shows it: ${seen}.` : ''}${next.length ? ` Once fixed, the token will still fail: ${next.join('; ')}.` : ''}`;
  return failure(`token_${code.replace(/^token_/, '')}`, cause, TOKEN_FIXES[code], details);
}

/** Where doctor may ask the gateway why it refuses a token: the server API, with its key. */
export interface ApiAccess {
  apiUrl: string;
  apiKey: string;
}

type TokenCheck = { valid: true } | { valid: false; code: TokenErrorCode } | { failed: string };

/** The gateway's own verdict on the token (API method token_check): the cause a client is not told. */
async function checkAtGateway(api: ApiAccess, token: string, timeoutMs: number): Promise<TokenCheck> {
  try {
    const { status, json } = await postApi(api.apiUrl, 'token_check', api.apiKey, { token }, timeoutMs);
    const result = json?.result;
    if (result?.valid === true) return { valid: true };
    if (result?.valid === false && Object.hasOwn(TOKEN_ERRORS, result.code)) return { valid: false, code: result.code };
    return { failed: json?.error ? `error ${json.error.code} "${json.error.message}"` : `HTTP ${status}` };
  } catch (error) {
    return { failed: (error as Error).message };
  }
}

/**
 * Close 3500 says only "invalid token", as in Centrifugo. With the API key the gateway names the
 * check; without it, what the token shows by itself (alg none, exp …) is the best guess.
 */
async function invalidToken(said: string, token: string | undefined, view: TokenView, details: string[], api: ApiAccess | undefined, timeoutMs: number): Promise<StepOutcome> {
  if (token && api) {
    const check = await checkAtGateway(api, token, timeoutMs);
    if ('code' in check) {
      details.push(`token_check at ${api.apiUrl}: ${check.code}`);
      return tokenFailure(check.code, `${said} (token_check: ${TOKEN_ERRORS[check.code].message})`, view, details);
    }
    details.push('valid' in check ? `token_check at ${api.apiUrl}: the gateway accepts this token now` : `token_check at ${api.apiUrl} failed: ${check.failed}`);
  }
  const seen = view.problems[0];
  if (seen) return tokenFailure(seen.code, said, view, details);
  const fix = api
    ? 'The gateway could not name the check (see the details); its log line "command closed the connection" does (field detail).'
    : 'Rerun with --api-key (http_api.key): the gateway then names the failed check (API method token_check). Its log line "command closed the connection" names it too (field detail).';
  return failure('token_invalid', `${said}: the gateway does not tell clients which check failed`, fix, details);
}

function closeMeaning(code: number): string {
  const known = Object.values(DisconnectCodes).find((c) => c.code === code);
  if (known) return `${known.reason}${known.reconnect ? ' (the SDK reconnects)' : ' (the SDK stops)'}`;
  if (code === 1006) return 'abnormal closure, no close frame: the connection was cut (proxy timeout, crash)';
  return 'not a gateway code';
}

/** Reads the answer to the connect command the way the SDK would, but says why. */
async function diagnose(answer: Answer, token: string | undefined, view: TokenView, details: string[], api: ApiAccess | undefined, timeoutMs: number): Promise<StepOutcome> {
  if ('timeout' in answer) return failure('connect_timeout', 'no reply to the connect command', 'The gateway (or a proxy buffering frames) does not answer; check the gateway logs.', details);
  if ('closed' in answer) {
    const { code, reason } = answer.closed;
    details.push(`closed ${code} "${reason}": ${closeMeaning(code)}`);
    if (code === DisconnectCodes.invalidToken.code) return invalidToken(`the gateway closed with ${code} "${reason}"`, token, view, details, api, timeoutMs);
    if (code === DisconnectCodes.tokenMissing.code && reason.startsWith('token required')) {
      const empty = token !== undefined;
      return failure('token_missing', `the gateway closed with ${code} "${reason}": ${empty ? 'the token is empty, so the client sent none' : 'no token was sent'} and this gateway does not allow anonymous connections`, TOKEN_FIXES.token_missing, details);
    }
    return failure(`closed_${code}`, `the gateway closed the connection with ${code} "${reason}" (${closeMeaning(code)})`, 'See the gateway logs for this client; the code table is in the README ("Codes").', details);
  }
  const { reply } = answer;
  if (reply.error) {
    const { code, message } = reply.error as { code: number; message: string };
    details.push(`error ${code} "${message}"`);
    if (code === ErrorCodes.tokenExpired.code) {
      const exp = view.claims?.exp;
      const by = typeof exp === 'number' ? ` ${formatDuration(exp * 1000 - Date.now())} ago (exp ${new Date(exp * 1000).toISOString()})` : '';
      return failure('token_expired', `the gateway answered error ${code} "${message}": the token expired${by}`, TOKEN_FIXES.token_expired, details);
    }
    return failure(`connect_error_${code}`, `the gateway answered error ${code} "${message}" to connect`, reply.error.temporary ? 'A temporary error: the SDK retries; if it lasts, check the gateway logs.' : 'See the gateway logs and the README code table.', details);
  }
  return { details };
}

/** Step 6: the protocol connect command, with the token shown (claims, never the signature). */
export async function checkConnect(
  url: URL,
  options: { origin?: string; ca?: string; token?: string; timeoutMs: number; api?: ApiAccess },
): Promise<{ connected?: Connected; outcome: StepOutcome }> {
  const view = describeToken(options.token);
  const details = [...view.details];
  let session: ProtocolSession;
  try {
    session = await ProtocolSession.open(url, options);
  } catch (error) {
    return { outcome: failure('websocket_open_failed', `the WebSocket did not open: ${(error as Error).message}`, 'The upgrade passed a moment ago: the server or proxy is flapping; retry and check its logs.', details) };
  }
  // As the SDK does: an empty token is left out of the connect command.
  const request = { name: 'renum-doctor', ...(options.token ? { token: options.token } : {}) };
  const answer = await session.request('connect', request, options.timeoutMs);
  const outcome = await diagnose(answer, options.token, view, details, options.api, options.timeoutMs);
  if (outcome.status === 'fail' || !('reply' in answer)) {
    session.close();
    return { outcome };
  }
  const result = answer.reply.connect as { client: string; ping?: number; pong?: boolean; expires?: boolean; ttl?: number };
  session.answerPings = result.pong === true;
  details.push(`client ${result.client}, user ${JSON.stringify(view.claims?.sub ?? '')}`);
  details.push(result.ping ? `server pings every ${result.ping} s${result.pong ? ', expects pongs' : ''}` : 'the server announced no ping interval');
  const warnings = result.expires && result.ttl !== undefined && result.ttl < 60 ? [`the connection expires in ${result.ttl} s: the client needs getToken to refresh`] : [];
  return { connected: { session, pingIntervalMs: (result.ping ?? 0) * 1000, connectedAt: Date.now() }, outcome: { details, warnings } };
}
