/**
 * Thrown by `loadConfig` (and `ensureLocalSecrets`) for anything wrong with the configuration.
 * `problems` holds every problem found, each as `path: what is wrong (value) — how to fix`, so a
 * caller can print them without a stack trace.
 */
export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID' as const;
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    const count = `${problems.length} problem${problems.length === 1 ? '' : 's'}`;
    super(`invalid configuration (${count}):\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = Object.freeze([...problems]);
  }
}
