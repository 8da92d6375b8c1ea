import { isLocalHost } from '../doctor/url.js';
import type { ProjectFile } from './files.js';
import { finding, type Finding } from './rules.js';

export interface EnvRead {
  name: string;
  file: string;
  line: number;
}

/** Segments that mark a variable as the realtime endpoint's (NEWS_API has no WS segment). */
const REALTIME_SEGMENTS = new Set(['WS', 'WSS', 'WEBSOCKET', 'WEBSOCKETS', 'REALTIME', 'SOCKET', 'CENTRIFUGO', 'CENTRIFUGE']);

export function isRealtimeName(name: string): boolean {
  return name.split('_').some((segment) => REALTIME_SEGMENTS.has(segment));
}

const ENV_READ = /process\.env(?:\.([A-Za-z_][A-Za-z0-9_]*)|\[\s*(['"`])([A-Za-z_][A-Za-z0-9_]*)\2\s*\])/g;
const DYNAMIC_READ = /process\.env\[\s*(?!(['"`])[A-Za-z_][A-Za-z0-9_]*\1\s*\])/;
const DESTRUCTURE_OR_ALIAS = /(?:\{[^}]*\}|\b[A-Za-z_$][\w$]*)\s*=\s*process\.env\s*(?:[;,)]|$)/;
const WS_LITERAL = /(['"`])(wss?:\/\/[^'"`\s]*)\1?/g;
const FALLBACK = /(?:\|\||\?\?)\s*(['"`])(wss?:\/\/[^'"`\s]*)/;
const SOCKET_OPENERS = /\bnew\s+(WebSocket|Centrifuge|SockJS)\s*\(|\b(io)\s*\(/g;
const TEST_FILE = /(^|\/)(__tests__|tests?|e2e|cypress)\/|\.(test|spec)\.[cm]?[jt]sx?$/;
const SERVER_FILE = /(^|\/)(pages\/api|app\/api|server)\/|(^|\/)middleware\.[jt]s$|\.server\.[jt]sx?$|(^|\/)next\.config\./;

/** The line without a whole-line comment; inline comments are rare enough around these reads. */
function code(line: string): string {
  const trimmed = line.trimStart();
  return trimmed.startsWith('//') || trimmed.startsWith('*') || trimmed.startsWith('/*') ? '' : line;
}

function hostOf(url: string): string {
  return /^wss?:\/\/([^/:?#]+|\[[^\]]+\])/.exec(url)?.[1] ?? '';
}

export interface CodeScan {
  findings: Finding[];
  /** Reads of realtime variables, NEXT_PUBLIC_ or not. */
  reads: EnvRead[];
  /** Where sockets are opened: file → first line. */
  sockets: Map<string, { line: number; what: string }>;
}

export function scanSources(files: ProjectFile[]): CodeScan {
  const findings: Finding[] = [];
  const reads: EnvRead[] = [];
  const sockets = new Map<string, { line: number; what: string }>();
  for (const file of files) {
    const isTest = TEST_FILE.test(file.path);
    // Server code reads the real environment at run time, where any access and any name work.
    const isServer = SERVER_FILE.test(file.path);
    const usesSocketIo = file.lines.some((l) => l.includes('socket.io-client'));
    file.lines.forEach((raw, index) => {
      const text = code(raw);
      const line = index + 1;
      if (!text) return;
      for (const match of text.matchAll(ENV_READ)) {
        const name = match[1] ?? match[3]!;
        if (!isRealtimeName(name)) continue;
        reads.push({ name, file: file.path, line });
        if (!name.startsWith('NEXT_PUBLIC_') && !isServer) {
          findings.push(finding('server-only-env-var', file.path, line, `process.env.${name} has no NEXT_PUBLIC_ prefix: undefined in the browser`));
        }
      }
      if (!isServer && DYNAMIC_READ.test(text)) findings.push(finding('dynamic-env-access', file.path, line, 'process.env[...] with a computed key is not inlined by Next.js'));
      else if (!isServer && DESTRUCTURE_OR_ALIAS.test(text)) findings.push(finding('dynamic-env-access', file.path, line, 'process.env is destructured or aliased: Next.js does not inline these reads'));
      if (isTest) return;
      const fallback = FALLBACK.exec(text);
      if (fallback) {
        findings.push(finding('ws-url-fallback', file.path, line, `fallback to ${fallback[2]} when the variable is missing`));
      } else {
        for (const literal of text.matchAll(WS_LITERAL)) {
          if (isLocalHost(hostOf(literal[2]!))) findings.push(finding('hardcoded-ws-url', file.path, line, `hard-coded ${literal[2]}`));
        }
      }
      for (const opener of text.matchAll(SOCKET_OPENERS)) {
        const what = opener[1] ? `new ${opener[1]}(` : 'io(';
        if (what === 'io(' && !usesSocketIo) continue;
        if (!sockets.has(file.path)) sockets.set(file.path, { line, what });
      }
    });
  }
  return { findings, reads, sockets };
}

/** More than one module opening its own socket. */
export function socketFindings(sockets: CodeScan['sockets']): Finding[] {
  if (sockets.size < 2) return [];
  const all = [...sockets.entries()].map(([file, s]) => `${file}:${s.line}`);
  return [...sockets.entries()].map(([file, s]) =>
    finding('multiple-sockets', file, s.line, `${s.what} here; ${sockets.size} modules open sockets: ${all.filter((x) => x !== `${file}:${s.line}`).join(', ')} too`),
  );
}
