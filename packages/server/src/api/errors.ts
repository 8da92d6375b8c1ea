import type { ApiErrorCode } from '@renum-realtime/protocol';

/** A server API call that fails with a Centrifugo-style `{"error":{code,message}}`. */
export class ApiError extends Error {
  constructor(
    readonly error: ApiErrorCode,
    readonly detail?: string,
  ) {
    super(detail ? `${error.message}: ${detail}` : error.message);
  }
}
