import { readdirSync, readFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';

/** Build output, dependencies and VCS data: never the project's own code. */
const SKIPPED_DIRS = new Set(['node_modules', '.next', '.git', '.vercel', '.turbo', 'dist', 'build', 'out', 'coverage']);
const SOURCE_FILE = /\.(?:[cm]?[jt]sx?)$/;

export interface ProjectFile {
  /** Relative to the scanned directory, with forward slashes. */
  path: string;
  lines: string[];
}

export interface ProjectFiles {
  sources: ProjectFile[];
  envFiles: ProjectFile[];
}

/** The source files and `.env*` files of a front-end project, in a stable order. */
export function listProjectFiles(root: string): ProjectFiles {
  const sources: ProjectFile[] = [];
  const envFiles: ProjectFile[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRS.has(entry.name)) walk(full);
        continue;
      }
      if (!entry.isFile()) continue;
      const isEnv = basename(full).startsWith('.env');
      if (!isEnv && !SOURCE_FILE.test(entry.name)) continue;
      const file = { path: relative(root, full).split('\\').join('/'), lines: readFileSync(full, 'utf8').split(/\r?\n/) };
      (isEnv ? envFiles : sources).push(file);
    }
  };
  walk(root);
  return { sources, envFiles };
}
