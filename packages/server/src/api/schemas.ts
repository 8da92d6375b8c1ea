import { isBase64 } from '@renum-realtime/protocol';
import { z } from 'zod';

/** Request bodies of the server API (Centrifugo v6 shapes); unknown fields are ignored as Centrifugo does. */
const channel = z.string().min(1, 'channel is required');
const user = z.string();
const json = z.unknown();
const position = z.object({ offset: z.number().int().nonnegative(), epoch: z.string().default('') });
const tags = z.record(z.string(), z.string()).optional();
const override = z
  .object({
    presence: z.object({ value: z.boolean() }).optional(),
    join_leave: z.object({ value: z.boolean() }).optional(),
    force_push_join_leave: z.object({ value: z.boolean() }).optional(),
    force_recovery: z.object({ value: z.boolean() }).optional(),
    force_positioning: z.object({ value: z.boolean() }).optional(),
  })
  .optional();

/**
 * `data` (JSON), or `b64data`: bytes as standard base64, carried to protobuf clients as they are
 * (JSON clients get them as JSON when they are JSON text, else as the base64 string; see the
 * protocol's binary.ts). As in Centrifugo, `b64data` wins when both are given.
 */
const payload = {
  data: json.optional(),
  b64data: z.string().refine(isBase64, 'b64data must be standard base64 with padding').optional(),
};
const hasPayload = (request: { data?: unknown; b64data?: string }) => request.data !== undefined || request.b64data !== undefined;
const PAYLOAD_REQUIRED = { message: 'data (or b64data) is required', path: ['data'] };

/** Bounds what one key costs the engine; as long as a channel name may be (`channel.max_length`). */
export const IDEMPOTENCY_KEY_MAX_LENGTH = 255;
/** Empty means none, as in Centrifugo. */
const idempotencyKey = z.string().max(IDEMPOTENCY_KEY_MAX_LENGTH, `idempotency_key is longer than ${IDEMPOTENCY_KEY_MAX_LENGTH} characters`).optional();

export const apiSchemas = {
  publish: z.object({ channel, ...payload, skip_history: z.boolean().optional(), tags, delta: z.boolean().optional(), idempotency_key: idempotencyKey }).refine(hasPayload, PAYLOAD_REQUIRED),
  broadcast: z
    .object({ channels: z.array(channel).min(1, 'channels must not be empty'), ...payload, skip_history: z.boolean().optional(), tags, delta: z.boolean().optional(), idempotency_key: idempotencyKey })
    .refine(hasPayload, PAYLOAD_REQUIRED),
  subscribe: z.object({ user, channel, client: z.string().optional(), info: json.optional(), ...payload, expire_at: z.number().int().nonnegative().optional(), recover_since: position.optional(), override }),
  unsubscribe: z.object({ user, channel, client: z.string().optional() }),
  disconnect: z.object({
    user,
    client: z.string().optional(),
    whitelist: z.array(z.string()).optional(),
    disconnect: z.object({ code: z.number().int().min(3000).max(4999), reason: z.string().max(100) }).optional(),
  }),
  refresh: z.object({ user, client: z.string().optional(), expired: z.boolean().optional(), expire_at: z.number().int().nonnegative().optional(), info: json.optional() }),
  presence: z.object({ channel }),
  presence_stats: z.object({ channel }),
  history: z.object({ channel, limit: z.number().int().optional(), since: position.optional(), reverse: z.boolean().optional() }),
  history_remove: z.object({ channel }),
  channels: z.object({ pattern: z.string().optional() }),
  info: z.object({}),
  /** Renum Realtime's: why the gateway refuses a connection token, for `doctor --api-key`. */
  token_check: z.object({ token: z.string() }),
};

export type ApiMethod = keyof typeof apiSchemas | 'batch';
export type ApiRequest<M extends keyof typeof apiSchemas> = z.infer<(typeof apiSchemas)[M]>;

export const batchSchema = z.object({
  commands: z.array(z.record(z.string(), z.unknown())).max(1000, 'at most 1000 commands per batch'),
  parallel: z.boolean().optional(),
});

/** `path.to.field: problem; …` — short enough for a log line and an error message. */
export function describeIssues(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.') || '(body)'}: ${issue.message}`).join('; ');
}
