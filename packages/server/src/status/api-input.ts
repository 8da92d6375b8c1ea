import { ApiErrorCodes } from '@renum-realtime/protocol';
import type { z } from 'zod';
import { ApiError } from '../api/errors.js';
import { describeIssues } from '../api/schemas.js';

/** An API method's body, or error 107 naming each bad field (shared by user status and webhooks). */
export function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body ?? {});
  if (!parsed.success) throw new ApiError(ApiErrorCodes.badRequest, describeIssues(parsed.error));
  return parsed.data;
}

/** API replies give times as ISO 8601, like the inbox. */
export const isoTime = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());
