import type { ProjectFile } from './files.js';

export interface EnvEntry {
  name: string;
  value: string;
  line: number;
}

export type BuildMode = 'development' | 'production';

/** `KEY=value`, `export KEY="value"`, comments and blank lines skipped (dotenv syntax). */
export function parseEnvFile(file: ProjectFile): EnvEntry[] {
  const entries: EnvEntry[] = [];
  file.lines.forEach((text, index) => {
    const match = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(text);
    if (!match) return;
    let value = match[2]!.trim();
    const quoted = /^(['"`])(.*)\1$/.exec(value);
    value = quoted ? quoted[2]! : value.replace(/\s+#.*$/, '');
    entries.push({ name: match[1]!, value, line: index + 1 });
  });
  return entries;
}

/**
 * The build modes a file is loaded in, per Next.js: `.env` and `.env.local` always (`.env.local`
 * not in tests), `.env.development[.local]` for `next dev`, `.env.production[.local]` for
 * `next build`. Other names (`.env.example`, `.env.staging`) are not loaded by Next.js.
 */
export function modesOf(path: string): BuildMode[] {
  const name = path.split('/').pop()!;
  if (name === '.env' || name === '.env.local') return ['development', 'production'];
  if (/^\.env\.development(\.local)?$/.test(name)) return ['development'];
  if (/^\.env\.production(\.local)?$/.test(name)) return ['production'];
  return [];
}

export function isProductionEnvFile(path: string): boolean {
  return /(^|\/)\.env\.production(\.|$)/.test(path);
}
