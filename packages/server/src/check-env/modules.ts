import { builtinModules } from 'node:module';
import { posix } from 'node:path';
import ts from 'typescript';
import type { ProjectFile } from './files.js';

/**
 * Where each module of a Next.js project runs. Browser code is what the client bundles hold:
 * pages (outside `pages/api`), `'use client'` modules, and everything they import. Server-only
 * code is what only the server runs: route handlers (`pages/api`, `app/**\/route`), middleware,
 * `next.config`, Server Components (App Router modules without `'use client'`), modules that
 * import `server-only` or a Node.js built-in (scripts, back ends), and modules only those import. A module nothing imports is counted as
 * browser code, so a mistake in it is still reported.
 */

export interface ParsedModule {
  file: ProjectFile;
  source: ts.SourceFile;
  /** Resolved project paths this module imports at run time (type-only imports excluded). */
  imports: string[];
  /** Bare specifiers, e.g. `socket.io-client`, `server-only`. */
  packages: Set<string>;
  useClient: boolean;
}

export type Side = 'browser' | 'server';

const NODE_BUILTINS = new Set(builtinModules);
const EXTENSIONS = ['.ts', '.tsx', '.js', '.jsx', '.mjs', '.cjs', '.mts', '.cts'];

const SERVER_ENTRY = /(^|\/)(pages\/api|app\/api|server)\/|(^|\/)app\/(.*\/)?route\.[cm]?[jt]sx?$|(^|\/)(middleware|instrumentation)\.[jt]s$|\.server\.[cm]?[jt]sx?$|(^|\/)next\.config\./;
const PAGE = /(^|\/)pages\/(?!api\/)/;
const APP_ROUTER = /(^|\/)app\//;

function scriptKind(path: string): ts.ScriptKind {
  if (/\.[cm]?tsx$/.test(path)) return ts.ScriptKind.TSX;
  if (/\.[cm]?ts$/.test(path)) return ts.ScriptKind.TS;
  return /\.jsx$/.test(path) ? ts.ScriptKind.JSX : ts.ScriptKind.JS;
}

function hasDirective(source: ts.SourceFile, directive: string): boolean {
  for (const statement of source.statements) {
    if (!ts.isExpressionStatement(statement) || !ts.isStringLiteral(statement.expression)) return false;
    if (statement.expression.text === directive) return true;
  }
  return false;
}

/** Module specifiers imported at run time: imports, re-exports, `import()` and `require()` with a literal. */
function specifiers(source: ts.SourceFile): string[] {
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && !node.importClause?.isTypeOnly && ts.isStringLiteral(node.moduleSpecifier)) found.push(node.moduleSpecifier.text);
    else if (ts.isExportDeclaration(node) && !node.isTypeOnly && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) found.push(node.moduleSpecifier.text);
    else if (ts.isCallExpression(node) && node.arguments.length === 1 && ts.isStringLiteralLike(node.arguments[0]!)) {
      const callee = node.expression;
      if (callee.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(callee) && callee.text === 'require')) found.push(node.arguments[0].text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** `./x`, `../x` and the `@/x` alias Next.js projects set up (to the root or to `src/`). */
function resolveSpecifier(from: string, specifier: string, known: ReadonlySet<string>): string | undefined {
  const bases = specifier.startsWith('.')
    ? [posix.join(posix.dirname(from), specifier)]
    : specifier.startsWith('@/')
      ? [specifier.slice(2), `src/${specifier.slice(2)}`]
      : [];
  for (const base of bases) {
    const stem = base.replace(/\.[cm]?js$/, '');
    const candidates = [base, ...EXTENSIONS.map((ext) => stem + ext), ...EXTENSIONS.map((ext) => `${base}/index${ext}`)];
    const hit = candidates.find((candidate) => known.has(candidate));
    if (hit) return hit;
  }
  return undefined;
}

export function parseModules(files: ProjectFile[]): ParsedModule[] {
  const known = new Set(files.map((f) => f.path));
  return files.map((file) => {
    const source = ts.createSourceFile(file.path, file.lines.join('\n'), ts.ScriptTarget.Latest, true, scriptKind(file.path));
    const imports: string[] = [];
    const packages = new Set<string>();
    for (const specifier of specifiers(source)) {
      const resolved = resolveSpecifier(file.path, specifier, known);
      if (resolved) imports.push(resolved);
      else if (!specifier.startsWith('.')) packages.add(specifier);
    }
    return { file, source, imports, packages, useClient: hasDirective(source, 'use client') };
  });
}

/** Which side each module runs on, by path. */
export function sidesOf(modules: ParsedModule[]): Map<string, Side> {
  const byPath = new Map(modules.map((m) => [m.file.path, m]));
  const serverOnly = (m: ParsedModule) => m.packages.has('server-only');
  const usesNode = (m: ParsedModule) => [...m.packages].some((p) => p.startsWith('node:') || NODE_BUILTINS.has(p.split('/')[0]!));
  const reach = (roots: ParsedModule[], stop: (m: ParsedModule) => boolean): Set<string> => {
    const seen = new Set<string>();
    const queue = roots.map((m) => m.file.path);
    while (queue.length > 0) {
      const path = queue.pop()!;
      const module = byPath.get(path);
      if (seen.has(path) || !module || stop(module)) continue;
      seen.add(path);
      queue.push(...module.imports);
    }
    return seen;
  };
  const isAppServerComponent = (m: ParsedModule) => APP_ROUTER.test(m.file.path) && !m.useClient;
  const browserRoots = modules.filter((m) => m.useClient || (PAGE.test(m.file.path) && !SERVER_ENTRY.test(m.file.path)));
  // A browser module that imports a server-only one fails `next build`; it is not followed.
  const browser = reach(browserRoots, serverOnly);
  const serverRoots = modules.filter((m) => SERVER_ENTRY.test(m.file.path) || serverOnly(m) || usesNode(m) || isAppServerComponent(m));
  const server = reach(serverRoots, (m) => m.useClient);
  return new Map(modules.map((m) => [m.file.path, !browser.has(m.file.path) && server.has(m.file.path) ? 'server' : 'browser']));
}
