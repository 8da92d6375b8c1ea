import type { DoctorReport } from './run.js';
import type { TransportProbe } from './transports.js';
import type { StepResult } from './types.js';

const MARK: Record<StepResult['status'], string> = { pass: 'PASS', fail: 'FAIL', skip: 'skip' };

const INDENT = ' '.repeat(10);

/** `label: text`, continuation lines aligned under the text. */
function labelled(label: string, text: string): string {
  const head = `${INDENT}${label.padEnd(9)}`;
  return text.split('\n').map((line, i) => `${i === 0 ? head : ' '.repeat(head.length)}${line}`).join('\n');
}

/** The human report: one block per step, cause and fix under a failure. */
export function formatText(report: DoctorReport): string {
  const lines = [`renum-realtime doctor ${report.url}${report.origin ? ` (origin ${report.origin})` : ''}`, ''];
  report.steps.forEach((step, index) => {
    const timing = step.status === 'skip' ? '' : `  ${step.ms} ms`;
    lines.push(`${String(index + 1).padStart(2)}. ${MARK[step.status]}  ${step.title}${timing}`);
    for (const detail of step.details) lines.push(`${INDENT}${detail}`);
    for (const warning of step.warnings) lines.push(labelled('warning:', warning));
    if (step.status === 'fail') {
      lines.push(labelled('problem:', step.problem ?? ''));
      lines.push(labelled('cause:', step.cause ?? ''));
      lines.push(labelled('fix:', step.fix ?? ''));
    }
  });
  const failed = report.steps.find((s) => s.status === 'fail');
  lines.push('', failed ? `FAILED at "${failed.title}": ${failed.problem}` : 'OK: every step passed');
  if (report.transports.length > 0) lines.push('', ...transportLines(report.transports));
  return `${lines.join('\n')}\n`;
}

/** Which transports of the SDK's fallback list work from here, and the one it would end up on. */
function transportLines(probes: TransportProbe[]): string[] {
  const lines = ['Transports from here, in the order the SDK\'s fallback list tries them:'];
  for (const probe of probes) {
    lines.push(`    ${probe.transport.padEnd(12)}${MARK[probe.status]}  ${probe.detail}`);
    if (probe.status === 'fail' && probe.fix) lines.push(labelled('fix:', probe.fix));
  }
  const firstFailing = probes.find((p) => p.status === 'fail');
  const working = probes.find((p) => p.status === 'pass');
  if (!firstFailing) lines.push('Every transport works.');
  else lines.push(`First to fail: ${firstFailing.transport}. ${working ? `With the fallback list the client connects over ${working.transport}.` : 'No transport gets through.'}`);
  return lines;
}

export function formatJson(report: DoctorReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
