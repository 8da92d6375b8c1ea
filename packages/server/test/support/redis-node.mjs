// Test-only entry: one gateway node on the Redis engine, in its own process, so a test can
// SIGKILL it. Built code (dist/) is used as the CLI tests do; the real CLI wiring reads the
// `engine` config keys instead of these variables.
import { createRedisEngine } from '../../dist/broker/redis.js';
import { loadConfig } from '../../dist/config/load.js';
import { Gateway } from '../../dist/gateway.js';
import { createLogger } from '../../dist/log.js';

const env = process.env;
const config = loadConfig({ file: env.TEST_CONFIG_FILE, environ: {} });
const log = createLogger(config.log.level);
const engine = await createRedisEngine({
  url: env.TEST_REDIS_URL,
  prefix: env.TEST_REDIS_PREFIX,
  presenceTtl: Number(env.TEST_PRESENCE_TTL),
  nodeHeartbeat: Number(env.TEST_NODE_HEARTBEAT),
}, log);
const gateway = await Gateway.start({ config, log, ...engine });
process.stderr.write(`  WebSocket: ${gateway.webSocketUrl}\n  uid: ${gateway.node.uid}\n`);
process.once('SIGTERM', () => void gateway.close().then(() => process.exit(0)));
