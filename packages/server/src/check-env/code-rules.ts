import ts from 'typescript';
import { isLocalHost } from '../doctor/url.js';
import type { ProjectFile } from './files.js';
import { parseModules, sidesOf, type ParsedModule } from './modules.js';
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

const WS_URL = /^wss?:\/\//;
const SOCKET_CLASSES = new Set(['WebSocket', 'Centrifuge', 'SockJS']);
/** Next.js data functions: their bodies run on the server only, even inside a page module. */
const SERVER_FUNCTIONS = new Set(['getServerSideProps', 'getStaticProps', 'getStaticPaths', 'generateMetadata', 'generateStaticParams']);

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

/** `process.env` itself. */
function isProcessEnv(node: ts.Node): node is ts.PropertyAccessExpression {
  return ts.isPropertyAccessExpression(node) && node.name.text === 'env' && ts.isIdentifier(node.expression) && node.expression.text === 'process';
}

function functionName(node: ts.Node): string | undefined {
  if (ts.isFunctionDeclaration(node)) return node.name?.text;
  if ((ts.isArrowFunction(node) || ts.isFunctionExpression(node)) && ts.isVariableDeclaration(node.parent) && ts.isIdentifier(node.parent.name)) return node.parent.name.text;
  return undefined;
}

/** The text of a string or template literal that starts a ws:// URL. */
function wsLiteral(node: ts.Node): string | undefined {
  const text = ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node) ? node.text : ts.isTemplateExpression(node) ? node.head.text : undefined;
  return text !== undefined && WS_URL.test(text) ? text : undefined;
}

function scanModule(module: ParsedModule, browserModule: boolean, scan: CodeScan): void {
  const { source, file } = module;
  const lineOf = (node: ts.Node) => source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
  const usesSocketIo = module.packages.has('socket.io-client');
  const isTest = /\.(test|spec)\.[cm]?[jt]sx?$/.test(file.path);

  const visit = (node: ts.Node, inBrowser: boolean): void => {
    const name = functionName(node);
    const browser = inBrowser && !(name !== undefined && SERVER_FUNCTIONS.has(name));
    if (isProcessEnv(node)) {
      envAccess(node, browser);
    } else if (browser && !isTest) {
      // Addresses and sockets in server code stay on the server: only browser code ships them.
      const literal = wsLiteral(node);
      if (literal !== undefined) wsUrl(node, literal);
      if (ts.isNewExpression(node) && ts.isIdentifier(node.expression) && SOCKET_CLASSES.has(node.expression.text)) opened(node, `new ${node.expression.text}(`);
      if (usesSocketIo && ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'io') opened(node, 'io(');
    }
    ts.forEachChild(node, (child) => visit(child, browser));
  };

  const envAccess = (env: ts.PropertyAccessExpression, browser: boolean): void => {
    const parent = env.parent;
    const line = lineOf(env);
    let name: string | undefined;
    if (ts.isPropertyAccessExpression(parent) && parent.expression === env) name = parent.name.text;
    else if (ts.isElementAccessExpression(parent) && parent.expression === env) {
      if (ts.isStringLiteralLike(parent.argumentExpression)) name = parent.argumentExpression.text;
      else if (browser) scan.findings.push(finding('dynamic-env-access', file.path, line, 'process.env[...] with a computed key is not inlined by Next.js'));
      if (name === undefined) return;
    } else {
      // Server code reads the real environment at run time, where any access works.
      if (browser) scan.findings.push(finding('dynamic-env-access', file.path, line, 'process.env is destructured or aliased: Next.js does not inline these reads'));
      return;
    }
    if (!isRealtimeName(name)) return;
    scan.reads.push({ name, file: file.path, line });
    if (browser && !name.startsWith('NEXT_PUBLIC_')) {
      scan.findings.push(finding('server-only-env-var', file.path, line, `process.env.${name} has no NEXT_PUBLIC_ prefix: undefined in the browser`));
    }
  };

  const wsUrl = (node: ts.Node, url: string): void => {
    const parent = node.parent;
    const isFallback = ts.isBinaryExpression(parent) && parent.right === node && [ts.SyntaxKind.BarBarToken, ts.SyntaxKind.QuestionQuestionToken].includes(parent.operatorToken.kind);
    if (isFallback) scan.findings.push(finding('ws-url-fallback', file.path, lineOf(node), `fallback to ${url} when the variable is missing`));
    else if (isLocalHost(hostOf(url))) scan.findings.push(finding('hardcoded-ws-url', file.path, lineOf(node), `hard-coded ${url}`));
  };

  const opened = (node: ts.Node, what: string): void => {
    if (!scan.sockets.has(file.path)) scan.sockets.set(file.path, { line: lineOf(node), what });
  };

  visit(source, browserModule);
}

/** Parses every source file and checks each where it runs: browser code and server code differ. */
export function scanSources(files: ProjectFile[]): CodeScan {
  const modules = parseModules(files);
  const sides = sidesOf(modules);
  const scan: CodeScan = { findings: [], reads: [], sockets: new Map() };
  for (const module of modules) scanModule(module, sides.get(module.file.path) === 'browser', scan);
  return scan;
}

/** More than one module opening its own socket. */
export function socketFindings(sockets: CodeScan['sockets']): Finding[] {
  if (sockets.size < 2) return [];
  const all = [...sockets.entries()].map(([file, s]) => `${file}:${s.line}`);
  return [...sockets.entries()].map(([file, s]) =>
    finding('multiple-sockets', file, s.line, `${s.what} here; ${sockets.size} modules open sockets: ${all.filter((x) => x !== `${file}:${s.line}`).join(', ')} too`),
  );
}
