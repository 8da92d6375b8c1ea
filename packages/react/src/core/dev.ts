/**
 * Development-only warnings. Bundlers replace `process.env.NODE_ENV`; a page loaded without one
 * has no `process` at all, and is treated as production (no warnings).
 */
export function isDevelopment(): boolean {
  try {
    return process.env.NODE_ENV !== 'production';
  } catch {
    return false;
  }
}

const warned = new Set<string>();

/** Warns once per `key` in development. */
export function warnOnce(key: string, message: string): void {
  if (!isDevelopment() || warned.has(key)) return;
  warned.add(key);
  console.warn(`@renum-realtime/react: ${message}`);
}
