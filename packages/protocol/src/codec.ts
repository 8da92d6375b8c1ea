import type {
  ClientMessage,
  ConnectRequest,
  CommandMethod,
  CommandResults,
  ProtocolError,
  PushAddress,
  PushBodies,
  PushKind,
  ReplyMethod,
  Publication,
} from './types.js';
import { forJsonClient, type DataPayload } from './binary.js';

/** A frame the gateway cannot accept; the session closes with 3501 and logs `reason`. */
export class DecodeError extends Error {
  readonly code = 'PROTOCOL_DECODE';
  constructor(readonly reason: string) {
    super(reason);
  }
}

type FieldType = 'string' | 'number' | 'boolean' | 'object' | 'any';
type Shape = Record<string, FieldType>;

/** Field types per method; required fields are listed in `required`. Unknown fields are ignored. */
const requestShapes: Record<CommandMethod, { fields: Shape; required?: string[] }> = {
  connect: { fields: { token: 'string', data: 'any', subs: 'object', name: 'string', version: 'string', headers: 'object' } },
  subscribe: {
    fields: {
      channel: 'string', token: 'string', recover: 'boolean', epoch: 'string', offset: 'number',
      data: 'any', positioned: 'boolean', recoverable: 'boolean', join_leave: 'boolean', flag: 'number',
    },
    required: ['channel'],
  },
  unsubscribe: { fields: { channel: 'string' }, required: ['channel'] },
  publish: { fields: { channel: 'string', data: 'any' }, required: ['channel'] },
  presence: { fields: { channel: 'string' }, required: ['channel'] },
  presence_stats: { fields: { channel: 'string' }, required: ['channel'] },
  history: {
    fields: { channel: 'string', limit: 'number', since: 'object', reverse: 'boolean' },
    required: ['channel'],
  },
  send: { fields: { data: 'any' } },
  rpc: { fields: { method: 'string', data: 'any' } },
  refresh: { fields: { token: 'string' }, required: ['token'] },
  sub_refresh: { fields: { channel: 'string', token: 'string' }, required: ['channel', 'token'] },
};

const MAX_UINT32 = 0xffffffff;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function hasType(value: unknown, type: FieldType): boolean {
  if (type === 'any') return true;
  if (type === 'object') return isPlainObject(value);
  return typeof value === type;
}

function validateRequest(method: CommandMethod, raw: unknown): Record<string, unknown> {
  const request = raw === undefined || raw === null ? {} : raw;
  if (!isPlainObject(request)) throw new DecodeError(`${method}: request must be an object`);
  const shape = requestShapes[method];
  for (const [field, type] of Object.entries(shape.fields)) {
    const value = request[field];
    if (value !== undefined && value !== null && !hasType(value, type)) {
      throw new DecodeError(`${method}.${field} must be a ${type}`);
    }
  }
  for (const field of shape.required ?? []) {
    // Centrifugo answers an empty channel with 3501 rather than an error reply (client.go).
    if (request[field] === undefined || request[field] === '') {
      throw new DecodeError(`${method}.${field} is required`);
    }
  }
  if (typeof request.offset === 'number' && !(Number.isSafeInteger(request.offset) && request.offset >= 0)) {
    throw new DecodeError(`${method}.offset must be a non-negative integer`);
  }
  return request;
}

function decodeMessage(value: unknown): ClientMessage {
  if (!isPlainObject(value)) throw new DecodeError('command must be a JSON object');
  const { id, ...rest } = value;
  if (id !== undefined && !(Number.isInteger(id) && (id as number) >= 0 && (id as number) <= MAX_UINT32)) {
    throw new DecodeError('command id must be an unsigned 32-bit integer');
  }
  const methods = Object.keys(rest);
  return toClientMessage(id as number | undefined, methods, methods.length === 1 ? rest[methods[0] as string] : undefined);
}

/**
 * The rules a command obeys whatever its encoding (JSON here, protobuf in `protobuf/`): one method
 * or none (a pong), an id unless it is a `send`, and a request of the method's shape.
 */
export function toClientMessage(id: number | undefined, methods: readonly string[], request: unknown): ClientMessage {
  if (methods.length === 0) {
    if (id) throw new DecodeError('command has an id but no method');
    return { method: 'pong' };
  }
  if (methods.length > 1) throw new DecodeError(`command has several methods: ${methods.join(', ')}`);
  const method = methods[0] as string;
  if (!Object.hasOwn(requestShapes, method)) throw new DecodeError(`unknown method "${method.slice(0, 32)}"`);
  const typedMethod = method as CommandMethod;
  if (typedMethod !== 'send' && !id) throw new DecodeError(`${method} command without id`);
  return { id: id ?? 0, method: typedMethod, request: validateRequest(typedMethod, request) } as ClientMessage;
}

/**
 * The connect request a unidirectional client sends alone (Centrifugo's uni_* transports): a bare
 * `ConnectRequest` object, not a command. Empty text is a connect with no fields.
 */
export function decodeConnectRequest(text: string): ConnectRequest {
  if (text.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new DecodeError('connect request is not valid JSON');
  }
  return validateRequest('connect', parsed) as ConnectRequest;
}

/**
 * Splits one WebSocket text frame into the messages it carries: newline-delimited JSON, as the
 * SDK writes it (`commands.map(JSON.stringify).join('\n')`). Blank lines are skipped.
 */
export function decodeFrame(text: string, maxMessages: number): ClientMessage[] {
  const lines = text.split('\n');
  const messages: ClientMessage[] = [];
  for (const line of lines) {
    if (line.trim() === '') continue;
    if (messages.length >= maxMessages) {
      throw new DecodeError(`frame carries more than ${maxMessages} commands`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      throw new DecodeError('frame is not valid JSON');
    }
    messages.push(decodeMessage(parsed));
  }
  if (messages.length === 0) throw new DecodeError('empty frame');
  return messages;
}

type WithPublications = DataPayload & { publications?: Publication[]; subs?: Record<string, WithPublications> };

const hasBinary = (body: WithPublications): boolean =>
  body.binary === true || (body.publications?.some((p) => p.binary === true) ?? false) || (body.subs !== undefined && Object.values(body.subs).some(hasBinary));

/**
 * A reply or push body as JSON clients read it: binary data, its own (a publication, an RPC, a
 * connect or subscribe result), its publications' and its server-side subscriptions', as
 * `forJsonClient` gives it. Bodies without binary data are returned as they are.
 */
function forJsonClients<T>(body: T): T {
  const withBinary = body as WithPublications;
  if (!hasBinary(withBinary)) return body;
  // A copy: the body is shared with the other protocol's encoder and with history.
  const converted = { ...forJsonClient(withBinary) };
  if (converted.publications) converted.publications = converted.publications.map(forJsonClient);
  if (converted.subs) converted.subs = Object.fromEntries(Object.entries(converted.subs).map(([channel, sub]) => [channel, forJsonClients(sub)]));
  return converted as T;
}

/** `{"id":N,"<method>":{...}}`: the SDK reads the result under the method key, so it is never omitted. */
export function encodeReply<M extends ReplyMethod>(id: number, method: M, result: CommandResults[M]): string {
  return `{"id":${id},"${method}":${JSON.stringify(forJsonClients(result))}}`;
}

export function encodeError(id: number, error: ProtocolError): string {
  const body: ProtocolError = { code: error.code, message: error.message };
  if (error.temporary) body.temporary = true;
  return `{"id":${id},"error":${JSON.stringify(body)}}`;
}

export function encodePush<K extends PushKind>(address: PushAddress, kind: K, body: PushBodies[K]): string {
  return `{"push":${encodeUnidirectionalPush(address, kind, body)}}`;
}

/**
 * A push as unidirectional transports carry it: the push object itself, without the `push`
 * envelope of replies (centrifuge's `encodeReply` for unidirectional transports).
 */
export function encodeUnidirectionalPush<K extends PushKind>(address: PushAddress, kind: K, body: PushBodies[K]): string {
  const addressPart = address === undefined ? '' : typeof address === 'number' ? `"id":${address},` : `"channel":${JSON.stringify(address)},`;
  return `{${addressPart}"${kind}":${JSON.stringify(forJsonClients(body))}}`;
}

/** The server ping of protocol v2: an empty object. */
export const PING = '{}';

/** Several encoded messages in one frame. */
export function joinMessages(messages: readonly string[]): string {
  return messages.join('\n');
}
