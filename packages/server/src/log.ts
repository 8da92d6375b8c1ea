import { pino, type Logger } from 'pino';
import type { RealtimeConfig } from './config/types.js';

export type { Logger };

/** JSON lines on stdout. Tokens and keys are never logged; the redaction is a second line of defence. */
export function createLogger(level: RealtimeConfig['log']['level'], destination?: NodeJS.WritableStream): Logger {
  return pino(
    {
      level,
      base: { service: 'renum-realtime' },
      redact: { paths: ['token', '*.token', 'api_key', '*.api_key', 'authorization', '*.authorization'], censor: '<redacted>' },
    },
    destination ?? process.stdout,
  );
}
