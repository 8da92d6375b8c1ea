#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { createGatewayApi } from './gateway-api.mjs';
import { RunRegistry } from './runs.mjs';
import { createPublisherServer } from './server.mjs';

const usage = `usage:
  node examples/publisher/index.mjs --api http://127.0.0.1:8000/api --key KEY --run 42 [--steps 6] [--fail-at 3] [--step-ms 400] [--notify alice]
  node examples/publisher/index.mjs --api http://127.0.0.1:8000/api --key KEY --serve 8100`;

const { values } = parseArgs({
  options: {
    api: { type: 'string', default: process.env.REALTIME_API_URL },
    key: { type: 'string', default: process.env.REALTIME_API_KEY },
    run: { type: 'string' },
    steps: { type: 'string', default: '6' },
    'fail-at': { type: 'string' },
    'step-ms': { type: 'string', default: '400' },
    notify: { type: 'string' },
    serve: { type: 'string' },
    host: { type: 'string', default: '127.0.0.1' },
    help: { type: 'boolean' },
  },
});

const log = (line) => process.stderr.write(`${line}\n`);
if (values.help || (!values.run && !values.serve) || !values.api || !values.key) {
  log(usage);
  process.exit(values.help ? 0 : 2);
}

const gateway = createGatewayApi({ api: values.api, key: values.key });
const runs = new RunRegistry(gateway, { log });

if (values.serve) {
  const server = createPublisherServer(runs, gateway, log);
  server.listen(Number(values.serve), values.host, () => {
    const { port } = server.address();
    log(`publisher listening on http://${values.host}:${port} (gateway API ${values.api})`);
  });
  const stop = () => server.close(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
} else {
  const run = runs.start({
    id: values.run,
    steps: Number(values.steps),
    failAt: values['fail-at'] ? Number(values['fail-at']) : null,
    stepDelayMs: Number(values['step-ms']),
    notifyUser: values.notify ?? null,
  });
  run.done.then(
    () => log(`run ${values.run}: ${run.published.length} events published`),
    (error) => {
      log(`run ${values.run} failed to publish: ${error.message}`);
      process.exitCode = 1;
    },
  );
}
