import { readdirSync, readFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';

/** Build output, dependencies and VCS data: never the project's own code. */
const SKIPPED_DIRS = new Set(['node_modules', '.next', '.git', '.vercel', '.turbo', 'dist', 'build', 'out', 'coverage']);
/** Tests and their fixtures: they never ship, and fixtures are mistakes on purpose. */
const TEST_DIRS = new Set(['test', 'tests', '__tests__', '__mocks__', 'fixtures', '__fixtures__', 'e2e', 'cypress', 'playwright']);
const TEST_FILE = /\.(test|spec)\.[cm]?[jt]sx?$/;
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

/**
 * The source files and `.env*` files of a front-end project, in a stable order; tests and
 * fixtures below the root only with `includeTests`.
 */
export function listProjectFiles(root: string, options: { includeTests?: boolean } = {}): ProjectFiles {
  const skipsDir = (name: string) => SKIPPED_DIRS.has(name) || (!options.includeTests && TEST_DIRS.has(name));
  const sources: ProjectFile[] = [];
  const envFiles: ProjectFile[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!skipsDir(entry.name)) walk(full);
        continue;
      }
      if (!entry.isFile()) continue;
      const isEnv = basename(full).startsWith('.env');
      if (!isEnv && (!SOURCE_FILE.test(entry.name) || (!options.includeTests && TEST_FILE.test(entry.name)))) continue;
      const file = { path: relative(root, full).split('\\').join('/'), lines: readFileSync(full, 'utf8').split(/\r?\n/) };
      (isEnv ? envFiles : sources).push(file);
    }
  };
  walk(root);
  return { sources, envFiles };
}
