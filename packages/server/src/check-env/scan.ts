import { scanSources, socketFindings } from './code-rules.js';
import { envFindings } from './env-rules.js';
import { listProjectFiles } from './files.js';
import type { Finding } from './rules.js';

export interface CheckEnvReport {
  dir: string;
  filesScanned: number;
  envFiles: string[];
  findings: Finding[];
  errors: number;
  warnings: number;
}

/** Static checks of a front-end project's realtime configuration (Next.js rules). */
export function checkEnv(dir: string, options: { includeTests?: boolean } = {}): CheckEnvReport {
  const { sources, envFiles } = listProjectFiles(dir, options);
  const code = scanSources(sources);
  const findings = [...code.findings, ...socketFindings(code.sockets), ...envFindings(envFiles, code.reads)].sort(
    (a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.rule.localeCompare(b.rule),
  );
  const errors = findings.filter((f) => f.severity === 'error').length;
  return { dir, filesScanned: sources.length + envFiles.length, envFiles: envFiles.map((f) => f.path), findings, errors, warnings: findings.length - errors };
}

export function formatCheckEnv(report: CheckEnvReport): string {
  const lines = [`renum-realtime check-env ${report.dir}: ${report.filesScanned} files, env files: ${report.envFiles.join(', ') || 'none'}`, ''];
  for (const f of report.findings) {
    lines.push(`${f.file}:${f.line}  ${f.severity} ${f.rule}: ${f.message}`, `    why: ${f.why}`, `    fix: ${f.fix}`, '');
  }
  lines.push(report.findings.length === 0 ? 'no findings' : `${report.errors} error(s), ${report.warnings} warning(s)`);
  return `${lines.join('\n')}\n`;
}
