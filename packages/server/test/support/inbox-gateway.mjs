// A gateway with the inbox in its own process, so a test can kill it with SIGKILL.
// Usage: node inbox-gateway.mjs <config.json> '<InboxOptions as JSON>'; runs the built dist/.
import { loadConfig } from '../../dist/config/load.js';
import { Gateway } from '../../dist/gateway.js';
import { createInboxExtension } from '../../dist/inbox/extension.js';

const [file, options] = process.argv.slice(2);
const gateway = await Gateway.start({ config: loadConfig({ file, environ: {} }), extensions: [createInboxExtension(JSON.parse(options))] });
process.stderr.write(`API: ${gateway.apiUrl}\nWebSocket: ${gateway.webSocketUrl}\n`);
