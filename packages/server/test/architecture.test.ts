import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../src/', import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

interface Edge {
  to: string;
  /** A static import (or re-export), as opposed to `import()`. */
  static: boolean;
}

/** `import … from 'x'`, `import 'x'`, `export … from 'x'` at the start of a line (TypeScript 7 has no JS API to parse with). */
const STATIC_IMPORT = /^\s*(?:import|export)\s(?:[^'";]*?\sfrom\s*)?['"]([^'"]+)['"]/gm;
const DYNAMIC_IMPORT = /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;

/** Every file's imports, type-only ones included: a type import is a dependency of the design too. */
function importGraph(): Map<string, Edge[]> {
  const graph = new Map<string, Edge[]>();
  for (const file of sourceFiles(SRC)) {
    const text = readFileSync(file, 'utf8');
    const specifiers = [
      ...[...text.matchAll(STATIC_IMPORT)].map((m) => ({ name: m[1]!, static: true })),
      ...[...text.matchAll(DYNAMIC_IMPORT)].map((m) => ({ name: m[1]!, static: false })),
    ];
    const edges = specifiers.map(({ name, static: isStatic }) => ({
      to: name.startsWith('.') ? relative(SRC, resolve(dirname(file), name.replace(/\.js$/, '.ts'))) : name,
      static: isStatic,
    }));
    graph.set(relative(SRC, file), edges);
  }
  return graph;
}

function cycles(graph: Map<string, Edge[]>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): void => {
    state.set(node, 'visiting');
    stack.push(node);
    for (const { to } of graph.get(node) ?? []) {
      if (!graph.has(to)) continue;
      if (state.get(to) === 'visiting') found.push([...stack.slice(stack.indexOf(to)), to]);
      else if (!state.has(to)) visit(to);
    }
    stack.pop();
    state.set(node, 'done');
  };
  for (const node of graph.keys()) if (!state.has(node)) visit(node);
  return found;
}

/** Everything `entry` loads at import time, following static imports only. */
function staticallyLoaded(graph: Map<string, Edge[]>, entry: string): Set<string> {
  const seen = new Set<string>();
  const walk = (node: string): void => {
    if (seen.has(node)) return;
    seen.add(node);
    for (const edge of graph.get(node) ?? []) if (edge.static) walk(edge.to);
  };
  walk(entry);
  return seen;
}

describe('server architecture', () => {
  const graph = importGraph();

  it('has no import cycles', () => {
    expect(cycles(graph)).toEqual([]);
  });

  it('keeps the core free of the edges: no transport, HTTP API, admin, inbox, HTTP server or CLI', () => {
    const edges = ['api/', 'admin/', 'transport/', 'inbox/', 'http/', 'cli/', 'doctor/', 'check-env/', 'gateway.ts', 'extension.ts', 'features.ts'];
    const upward = [...graph]
      .filter(([file]) => file.startsWith('core/'))
      .flatMap(([file, imports]) => imports.filter(({ to }) => edges.some((edge) => to.startsWith(edge))).map(({ to }) => `${file} -> ${to}`));
    expect(upward).toEqual([]);
    const libraries = [...graph]
      .filter(([file]) => file.startsWith('core/'))
      .flatMap(([file, imports]) => imports.filter(({ to }) => ['ws', 'ioredis', 'pg', 'better-sqlite3', 'kysely', 'node:http'].includes(to)).map(({ to }) => `${file} -> ${to}`));
    expect(libraries).toEqual([]);
  });

  it('loads no SQL driver from the public entry unless the inbox is used', () => {
    const loaded = staticallyLoaded(graph, 'index.ts');
    expect(loaded.has('pg')).toBe(false);
    expect(loaded.has('better-sqlite3')).toBe(false);
  });

  it('keeps the CLI tooling apart from the gateway runtime', () => {
    for (const tool of ['doctor/run.ts', 'check-env/scan.ts']) {
      const loaded = [...staticallyLoaded(graph, tool)];
      expect(loaded.filter((file) => file.startsWith('core/') || file === 'gateway.ts')).toEqual([]);
    }
  });
});
