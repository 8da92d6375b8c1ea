import { ApiErrorCodes, type ApiErrorCode } from '@renum-realtime/protocol';
import type { z } from 'zod';
import { describeIssues } from '../api/schemas.js';

/**
 * The inbox's errors: the RPC code the client sees (applications own 400–1999) beside the server
 * API error it maps to. docs/inbox.md lists the same table.
 */
export const InboxErrors = {
  badRequest: { code: 400, message: 'bad notification request', api: ApiErrorCodes.badRequest },
  unauthenticated: { code: 401, message: 'the inbox needs an authenticated user', api: ApiErrorCodes.unauthorized },
  notFound: { code: 404, message: 'notification not found', api: ApiErrorCodes.notFound },
  unavailable: { code: 503, message: 'the inbox is unavailable', api: ApiErrorCodes.temporarilyUnavailable },
} as const satisfies Record<string, { code: number; message: string; api: ApiErrorCode }>;

export type InboxErrorKind = keyof typeof InboxErrors;

export class InboxError extends Error {
  constructor(
    readonly kind: InboxErrorKind,
    readonly detail: string,
  ) {
    super(`${InboxErrors[kind].message}: ${detail}`);
  }
}

/** Parses `input` or throws a badRequest naming every problem (`title: at most 200 characters`). */
export function parse<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const parsed = schema.safeParse(input ?? {});
  if (parsed.success) return parsed.data;
  throw new InboxError('badRequest', describeIssues(parsed.error));
}
