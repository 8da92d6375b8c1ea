import { readdirSync, readFileSync, type Dirent } from 'node:fs';
import { basename, join, relative } from 'node:path';

/** Build output, dependencies and VCS data: never the project's own code. */
const SKIPPED_DIRS = new Set(['node_modules', '.next', '.git', '.vercel', '.turbo', 'dist', 'build', 'out', 'coverage']);
/** Next.js build output under a `distDir` of its own (`.next-staging`, one per test run...). */
const NEXT_DIST_DIR = /^\.next[-_.]/;
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
  const skipsDir = (name: string) => SKIPPED_DIRS.has(name) || NEXT_DIST_DIR.test(name) || (!options.includeTests && TEST_DIRS.has(name));
  const sources: ProjectFile[] = [];
  const envFiles: ProjectFile[] = [];
  const walk = (dir: string): void => {
    for (const entry of entriesOf(dir)) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!skipsDir(entry.name)) walk(full);
        continue;
      }
      if (!entry.isFile()) continue;
      const isEnv = basename(full).startsWith('.env');
      if (!isEnv && (!SOURCE_FILE.test(entry.name) || (!options.includeTests && TEST_FILE.test(entry.name)))) continue;
      const text = contentOf(full);
      if (text === undefined) continue;
      (isEnv ? envFiles : sources).push({ path: relative(root, full).split('\\').join('/'), lines: text.split(/\r?\n/) });
    }
  };
  walk(root);
  return { sources, envFiles };
}

// A build or dev server running beside the scan adds and removes files under it: what vanished
// between the listing and the read is not the project's code.
function entriesOf(dir: string): Dirent[] {
  try {
    return readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

function contentOf(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
