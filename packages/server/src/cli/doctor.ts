import { exec } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parseDuration } from '../config/duration.js';
import { formatJson, formatText } from '../doctor/report.js';
import { runDoctor as diagnose } from '../doctor/run.js';

const USAGE = `Usage: renum-realtime doctor <ws-url> [--origin URL] [--token JWT | --token-command CMD]
                             [--api-key K] [--api-url URL] [--channel C] [--ca FILE]
                             [--timeout 5s] [--ping-wait 30s] [--json]

Connects the way a browser does and reports each step (URL, DNS, TCP, TLS, HTTP upgrade, protocol
connect, subscribe, publish round trip, ping/pong) with timing and, on failure, the cause and the fix.
  --origin URL          the page origin the browser sends (checks allowed origins, mixed content)
  --token JWT           connection token; --token-command CMD runs CMD and uses its stdout
  --api-key K           server API key: publish to --channel and time the round trip, and
                        have the gateway name why it refuses the token (clients only get 3500)
  --api-url URL         server API base (default http(s)://<host>/api)
  --ca FILE             extra trusted CA certificate (PEM)
  --timeout D           per network step (default 5s); --ping-wait D bounds the wait for a ping
  --json                machine-readable report
Exit code: 0 when no step failed, 1 when one did, 2 on a usage error.
`;

function usageError(message: string): number {
  process.stderr.write(`${message}\n\n${USAGE}`);
  return 2;
}

function tokenFromCommand(command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    exec(command, { timeout: 30_000, maxBuffer: 1 << 20 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`--token-command failed (${error.code ?? error.signal ?? 'error'}): ${stderr.trim() || error.message}`));
      else resolve(stdout.trim());
    });
  });
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    options: {
      origin: { type: 'string' },
      token: { type: 'string' },
      'token-command': { type: 'string' },
      'api-key': { type: 'string' },
      'api-url': { type: 'string' },
      channel: { type: 'string' },
      ca: { type: 'string' },
      timeout: { type: 'string' },
      'ping-wait': { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: true,
    strict: true,
  });
}

export async function runDoctor(argv: string[]): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    return usageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (positionals.length !== 1) return usageError('give exactly one WebSocket URL');
  if (values.token !== undefined && values['token-command'] !== undefined) return usageError('--token and --token-command exclude each other');
  const timeoutMs = values.timeout !== undefined ? parseDuration(values.timeout) : undefined;
  if (values.timeout !== undefined && !timeoutMs) return usageError(`--timeout "${values.timeout}": expected a duration like 5s or 500ms`);
  const pingWaitMs = values['ping-wait'] !== undefined ? parseDuration(values['ping-wait']) : undefined;
  if (values['ping-wait'] !== undefined && pingWaitMs === undefined) return usageError(`--ping-wait "${values['ping-wait']}": expected a duration like 30s`);

  let token = values.token;
  if (values['token-command'] !== undefined) {
    try {
      token = await tokenFromCommand(values['token-command']);
    } catch (error) {
      process.stderr.write(`${(error as Error).message}\n`);
      return 1;
    }
  }
  let ca: string | undefined;
  if (values.ca !== undefined) {
    try {
      ca = readFileSync(values.ca, 'utf8');
    } catch (error) {
      return usageError(`--ca ${values.ca}: ${(error as Error).message}`);
    }
  }

  const report = await diagnose({
    url: positionals[0]!,
    ...(values.origin !== undefined ? { origin: values.origin } : {}),
    ...(token !== undefined ? { token } : {}),
    ...(values['api-key'] !== undefined ? { apiKey: values['api-key'] } : {}),
    ...(values['api-url'] !== undefined ? { apiUrl: values['api-url'] } : {}),
    ...(values.channel !== undefined ? { channel: values.channel } : {}),
    ...(ca !== undefined ? { ca } : {}),
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    ...(pingWaitMs !== undefined ? { pingWaitMs } : {}),
  });
  process.stdout.write(values.json ? formatJson(report) : formatText(report));
  return report.ok ? 0 : 1;
}
