import { z } from 'zod';

/** Input limits: a request past any of them is refused whole, with the field named. */
export const LIMITS = {
  title: 200,
  body: 4000,
  /** bytes of the `data` object serialised as JSON */
  data: 16 * 1024,
  action: 2000,
  type: 100,
  user: 255,
  /** ids per mark/dismiss call, and users per send */
  ids: 500,
  defaultPage: 20,
  maxPage: 100,
} as const;

const user = z.string().min(1, 'must not be empty').max(LIMITS.user, `at most ${LIMITS.user} characters`);
const id = z.string().min(1, 'must not be empty').max(64, 'not a notification id');
const ids = z.array(id).min(1, 'give at least one id').max(LIMITS.ids, `at most ${LIMITS.ids} ids per call`);
const data = z
  .record(z.string(), z.unknown(), 'must be a JSON object')
  .refine((value) => Buffer.byteLength(JSON.stringify(value)) <= LIMITS.data, `must be at most ${LIMITS.data} bytes as JSON`);
/** ISO 8601 with offset, or Unix seconds as Centrifugo's `expire_at` fields are. */
const instant = z.union([z.iso.datetime({ offset: true }).transform((s) => Date.parse(s)), z.number().int().positive().transform((s) => s * 1000)]);
const page = {
  cursor: z.string().max(200).optional(),
  limit: z.number().int().min(1).max(LIMITS.maxPage, `at most ${LIMITS.maxPage}`).default(LIMITS.defaultPage),
};

const oneOf = (keys: string[]) => (value: Record<string, unknown>) => keys.filter((key) => value[key] !== undefined).length === 1;

export const sendSchema = z
  .strictObject({
    user: user.optional(),
    users: z.array(user).min(1, 'give at least one user').max(LIMITS.ids, `at most ${LIMITS.ids} users per call`).optional(),
    all: z.literal(true).optional(),
    type: z.string().min(1, 'is required').max(LIMITS.type, `at most ${LIMITS.type} characters`),
    title: z.string().min(1, 'is required').max(LIMITS.title, `at most ${LIMITS.title} characters`),
    body: z.string().max(LIMITS.body, `at most ${LIMITS.body} characters`).default(''),
    data: data.optional(),
    action: z.string().min(1).max(LIMITS.action, `at most ${LIMITS.action} characters`).optional(),
    expires_at: instant.optional(),
  })
  .refine(oneOf(['user', 'users', 'all']), 'give exactly one of user, users or all: true');

export const backOfficeListSchema = z.strictObject({ user: user.optional(), ...page });
export const removeSchema = z.strictObject({ id });

export const listSchema = z.strictObject({ ...page, unread_only: z.boolean().default(false), include_dismissed: z.boolean().default(false) });
export const markReadSchema = z.strictObject({ ids: ids.optional(), all: z.literal(true).optional() }).refine(oneOf(['ids', 'all']), 'give exactly one of ids or all: true');
export const dismissSchema = z.strictObject({ ids });
export const emptySchema = z.strictObject({});

export type SendRequest = z.infer<typeof sendSchema>;
export type ListRequest = z.infer<typeof listSchema>;
