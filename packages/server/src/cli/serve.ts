import { parseArgs } from 'node:util';
import { loadConfig } from '../config/load.js';
import { ensureLocalSecrets } from '../config/local-secrets.js';
import { configuredEngine, configuredExtensions } from '../features.js';
import { Gateway } from '../gateway.js';
import { createLogger } from '../log.js';
import type { Runtime } from '../transport/runtime.js';
import { runWithConfigErrors } from './config-errors.js';

function banner(gateway: Gateway, generated: { hmacSecretFile?: string; apiKeyFile?: string }): string {
  const { config } = gateway;
  const lines = [
    `renum-realtime ${gateway.node.version} (${config.environment} profile)`,
    `  WebSocket: ${gateway.webSocketUrl}`,
    `  API:       ${gateway.apiUrl}/publish  (header X-API-Key)`,
    `  Health:    http://${gateway.host}:${gateway.port}/healthz   Metrics: /metrics`,
  ];
  if (generated.hmacSecretFile) {
    lines.push(`  Token:     npx renum-realtime token --user alice   (HMAC secret kept in ${generated.hmacSecretFile})`);
  } else {
    lines.push('  Token:     sign a JWT with the key in client.token (sub = user id)');
  }
  if (generated.apiKeyFile) lines.push(`  API key:   ${config.http_api.key}   (kept in ${generated.apiKeyFile})`);
  return `${lines.join('\n')}\n`;
}

export async function runServe(argv: string[], runtime?: Runtime): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { config: { type: 'string' }, env: { type: 'string' }, port: { type: 'string' } },
    strict: true,
  });
  return runWithConfigErrors(async () => {
    const loaded = loadConfig({
      ...(values.config ? { file: values.config } : {}),
      ...(values.env ? { env: values.env } : {}),
      ...(values.port !== undefined ? { port: Number(values.port) } : {}),
    });
    const { config, generated } = ensureLocalSecrets(loaded);
    const log = createLogger(config.log.level);
    const engine = await configuredEngine(config, log);
    const extensions = await configuredExtensions(config);
    const gateway = await Gateway.start({ config, log, ...engine, extensions, ...(runtime ? { runtime } : {}) });
    process.stderr.write(banner(gateway, generated));
    log.info({ event: 'listening', ws: gateway.webSocketUrl, api: gateway.apiUrl, profile: config.environment }, 'gateway started');

    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      log.info({ event: 'draining', signal, clients: gateway.node.openSocketCount }, 'draining: closing clients with 3001');
      // The drain is bounded by shutdown.timeout; this is the backstop if something hangs anyway.
      setTimeout(() => process.exit(1), config.shutdown.timeout + 2_000).unref();
      gateway.close().then(
        () => {
          log.info({ event: 'stopped' }, 'gateway stopped');
          process.exit(0);
        },
        (err) => {
          log.error({ err }, 'shutdown failed');
          process.exit(1);
        },
      );
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
    await new Promise(() => {});
    return 0;
  });
}
