export type Severity = 'error' | 'warning';

export type RuleId =
  | 'env-var-undefined'
  | 'env-var-names-differ'
  | 'env-var-unused'
  | 'env-var-unset'
  | 'ws-url-fallback'
  | 'hardcoded-ws-url'
  | 'insecure-ws-in-production'
  | 'local-url-in-production'
  | 'dynamic-env-access'
  | 'server-only-env-var'
  | 'multiple-sockets';

export interface Rule {
  severity: Severity;
  why: string;
  fix: string;
}

/** Every check, with why it breaks in production and what to change; findings add the specifics. */
export const RULES: Readonly<Record<RuleId, Rule>> = {
  'env-var-undefined': {
    severity: 'error',
    why: 'Next.js replaces process.env.NEXT_PUBLIC_* with its value at build time; a name no .env file (nor the host, e.g. Vercel) defines becomes undefined in the bundle, and the socket opens "undefined" or a fallback.',
    fix: 'Use one name everywhere (e.g. NEXT_PUBLIC_WEBSOCKET_URL): rename the read or the definition, set it in the hosting project too, and rebuild.',
  },
  'env-var-names-differ': {
    severity: 'error',
    why: 'Two files read the WebSocket URL under different names; at most one of them is set, so part of the app connects somewhere else or nowhere (the NEXT_PUBLIC_WS_URL vs NEXT_PUBLIC_WEBSOCKET_URL bug).',
    fix: 'Read the URL in one module under one name and import it from there.',
  },
  'env-var-unused': {
    severity: 'warning',
    why: 'A realtime variable is defined but no code reads it: usually the code reads a different name.',
    fix: 'Delete it, or make the code read this name.',
  },
  'env-var-unset': {
    severity: 'warning',
    why: 'No .env file loaded by Next.js defines it, so it must be set in the hosting project before every build.',
    fix: 'Check it is set for Production and Preview in the hosting project (e.g. Vercel → Settings → Environment Variables), then redeploy: NEXT_PUBLIC_* values are inlined at build time.',
  },
  'ws-url-fallback': {
    severity: 'error',
    why: 'When the variable is missing at build time the bundle silently uses this URL; in production that is a connection to the visitor\'s own machine or an old server, reported as a network error instead of a config error.',
    fix: 'Drop the fallback and fail loudly: if (!url) throw new Error("NEXT_PUBLIC_WEBSOCKET_URL is not set").',
  },
  'hardcoded-ws-url': {
    severity: 'error',
    why: 'A local or private WebSocket address in code ships to every visitor; their browsers cannot reach it.',
    fix: 'Read the URL from the NEXT_PUBLIC_ variable and keep local addresses in .env.development only.',
  },
  'insecure-ws-in-production': {
    severity: 'error',
    why: 'The production site is served over https://, and browsers block ws:// from an https:// page (mixed content) before connecting.',
    fix: 'Use a wss:// URL (TLS at the gateway or at a proxy in front of it).',
  },
  'local-url-in-production': {
    severity: 'error',
    why: 'A localhost or private address in a production env file points every visitor\'s browser at their own machine or network.',
    fix: 'Put the public wss:// address of the gateway here.',
  },
  'dynamic-env-access': {
    severity: 'error',
    why: 'Next.js only inlines the literal form process.env.NEXT_PUBLIC_NAME; process.env[name], destructuring or an alias of process.env are undefined in the browser.',
    fix: 'Write process.env.NEXT_PUBLIC_WEBSOCKET_URL literally where the value is read.',
  },
  'server-only-env-var': {
    severity: 'warning',
    why: 'Without the NEXT_PUBLIC_ prefix a variable is only available on the server; in browser code it is undefined.',
    fix: 'Rename it with the NEXT_PUBLIC_ prefix (it is not a secret: the URL is visible to every visitor anyway).',
  },
  'multiple-sockets': {
    severity: 'error',
    why: 'Several modules open their own connection: each mounted component adds a socket per tab (the old client hit ERR_INSUFFICIENT_RESOURCES this way), and they disagree about URL, token and state.',
    fix: 'Create one client in one module (a provider created once), and have hooks and components subscribe through it.',
  },
};

export interface Finding {
  file: string;
  line: number;
  rule: RuleId;
  severity: Severity;
  /** This occurrence: which name, which value, which other files. */
  message: string;
  why: string;
  fix: string;
}

export function finding(rule: RuleId, file: string, line: number, message: string): Finding {
  return { file, line, rule, severity: RULES[rule].severity, message, why: RULES[rule].why, fix: RULES[rule].fix };
}
