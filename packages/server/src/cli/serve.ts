import { loadConfig } from '../config/load.js';
import { ensureLocalSecrets } from '../config/local-secrets.js';
import { configuredEngine, configuredExtensions } from '../features.js';
import { Gateway } from '../gateway.js';
import { createLogger } from '../log.js';
import type { Runtime } from '../transport/runtime.js';
import { parseConfigFlags } from './check-config.js';
import { runWithConfigErrors } from './config-errors.js';

const USAGE = 'usage: renum-realtime serve [--config FILE] [--env local|staging|production] [--port N]';

/** The listen address is taken: one line with the address and the way out, no stack trace. */
function portInUse(error: unknown, address: string, port: number): string | undefined {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code !== 'EADDRINUSE' && !/EADDRINUSE|address already in use/i.test(String((error as Error | undefined)?.message))) return undefined;
  return (
    `renum-realtime: port ${port} on ${address} is already in use (another renum-realtime, or \`npm start\` still running?) — ` +
    `stop that process, or pick another port: --port ${port + 1} or REALTIME_PORT=${port + 1}\n`
  );
}

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
  const parsed = parseConfigFlags(argv);
  if ('usageError' in parsed || parsed.positionals.length > 0) {
    const why = 'usageError' in parsed ? parsed.usageError : `unexpected argument ${JSON.stringify(parsed.positionals[0])}`;
    process.stderr.write(`${why}\n${USAGE}\n`);
    return 2;
  }
  return runWithConfigErrors(async () => {
    const { config, generated } = ensureLocalSecrets(loadConfig(parsed.options));
    const log = createLogger(config.log.level);
    const engine = await configuredEngine(config, log);
    const extensions = await configuredExtensions(config);
    let gateway: Gateway;
    try {
      gateway = await Gateway.start({ config, log, ...engine, extensions, ...(runtime ? { runtime } : {}) });
    } catch (error) {
      const line = portInUse(error, config.http_server.address, config.http_server.port);
      if (!line) throw error;
      process.stderr.write(line);
      // The engine and extensions may hold connections open; nothing else is left to do.
      process.exit(1);
    }
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
    // Before the banner: whoever reads it may stop the gateway at once, and must get the drain.
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
    process.stderr.write(banner(gateway, generated));
    log.info({ event: 'listening', ws: gateway.webSocketUrl, api: gateway.apiUrl, profile: config.environment }, 'gateway started');
    await new Promise(() => {});
    return 0;
  });
}
