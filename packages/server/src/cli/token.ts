import { parseArgs } from 'node:util';
import { mintToken } from '../auth/mint.js';
import { loadConfig } from '../config/load.js';
import { ensureLocalSecrets } from '../config/local-secrets.js';
import { runWithConfigErrors } from './config-errors.js';

const USAGE = `Usage: renum-realtime token --user ID [--ttl 1h] [--channel C]... [--info JSON]
                            [--subscription-channel C] [--config FILE] [--env NAME]

Prints an HS256 token signed with client.token.hmac_secret_key (generated in the local profile).
  --user ID                    user id (sub claim); "" for an anonymous token
  --ttl DURATION               90s, 15m, 1h, 2d (default 1h)
  --channel C                  server-side subscription, repeatable (connection token only)
  --info JSON                  connection (or channel) info shown to other clients
  --subscription-channel C     mint a subscription token for channel C (e.g. a $ channel)
`;

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** "90s", "15m", "1h", "2d" → seconds; undefined when the text is not such a duration. */
export function parseTtl(text: string): number | undefined {
  const match = /^(\d+)([smhd])$/.exec(text.trim());
  if (!match) return undefined;
  const seconds = Number(match[1]) * UNIT_SECONDS[match[2]!]!;
  return seconds > 0 && Number.isSafeInteger(seconds) ? seconds : undefined;
}

function usageError(message: string): number {
  process.stderr.write(`${message}\n\n${USAGE}`);
  return 2;
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    options: {
      user: { type: 'string' },
      ttl: { type: 'string', default: '1h' },
      channel: { type: 'string', multiple: true },
      info: { type: 'string' },
      'subscription-channel': { type: 'string' },
      config: { type: 'string' },
      env: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  }).values;
}

export async function runToken(argv: string[]): Promise<number> {
  let values: ReturnType<typeof parse>;
  try {
    values = parse(argv);
  } catch (error) {
    return usageError(error instanceof Error ? error.message : String(error));
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const user = values.user;
  if (user === undefined) return usageError('--user is required');
  const ttlSeconds = parseTtl(values.ttl);
  if (ttlSeconds === undefined) return usageError(`--ttl "${values.ttl}": expected a number followed by s, m, h or d (e.g. 15m)`);
  const channel = values['subscription-channel'];
  if (channel !== undefined && values.channel) return usageError('--channel belongs to connection tokens; drop it or --subscription-channel');
  if (channel === '') return usageError('--subscription-channel needs a channel name');
  let info: unknown;
  if (values.info !== undefined) {
    try {
      info = JSON.parse(values.info);
    } catch {
      return usageError(`--info is not valid JSON: ${values.info}`);
    }
  }

  return runWithConfigErrors(async () => {
    const loaded = await loadConfig({ ...(values.config ? { file: values.config } : {}), ...(values.env ? { env: values.env } : {}) });
    const { config } = await ensureLocalSecrets(loaded);
    const { hmac_secret_key: secret, audience, issuer } = config.client.token;
    if (!secret) {
      process.stderr.write(
        `no HMAC secret in the ${config.environment} profile: set client.token.hmac_secret_key (the local profile generates one)\n`,
      );
      return 1;
    }
    const token = await mintToken(secret, {
      user,
      ttlSeconds,
      ...(values.channel ? { channels: values.channel } : {}),
      ...(info !== undefined ? { info } : {}),
      ...(channel !== undefined ? { channel } : {}),
      ...(audience ? { audience } : {}),
      ...(issuer ? { issuer } : {}),
    });
    const expires = new Date((Math.floor(Date.now() / 1000) + ttlSeconds) * 1000).toISOString();
    const kind = channel !== undefined ? `subscription token for ${channel}` : 'connection token';
    process.stderr.write(`${kind}: user "${user}", expires ${expires} (${values.ttl})\n`);
    process.stdout.write(`${token}\n`);
    return 0;
  });
}
