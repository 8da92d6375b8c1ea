import { isLocalHost } from '../doctor/url.js';
import type { EnvRead } from './code-rules.js';
import { isRealtimeName } from './code-rules.js';
import { isProductionEnvFile, modesOf, parseEnvFile, type BuildMode, type EnvEntry } from './env-files.js';
import type { ProjectFile } from './files.js';
import { finding, type Finding } from './rules.js';

/** Words that make a realtime variable the endpoint address rather than, say, a feature flag. */
const ADDRESS_SEGMENTS = new Set(['URL', 'URI', 'ENDPOINT', 'HOST', 'ADDRESS', 'SERVER']);

function isAddressName(name: string): boolean {
  return isRealtimeName(name) && name.split('_').some((s) => ADDRESS_SEGMENTS.has(s));
}

/** Only NEXT_PUBLIC_ values reach browsers; a server-side variable may well point at localhost. */
function valueFindings(file: ProjectFile, entries: EnvEntry[]): Finding[] {
  if (!isProductionEnvFile(file.path)) return [];
  const findings: Finding[] = [];
  for (const entry of entries.filter((e) => e.name.startsWith('NEXT_PUBLIC_'))) {
    const host = /^(?:wss?|https?):\/\/([^/:?#]+|\[[^\]]+\])/i.exec(entry.value)?.[1];
    if (host && isLocalHost(host)) {
      findings.push(finding('local-url-in-production', file.path, entry.line, `${entry.name}=${entry.value}`));
    } else if (/^ws:\/\//i.test(entry.value)) {
      findings.push(finding('insecure-ws-in-production', file.path, entry.line, `${entry.name}=${entry.value}`));
    }
  }
  return findings;
}

/** Names read in code versus names each build mode's .env files define. */
export function envFindings(envFiles: ProjectFile[], reads: EnvRead[]): Finding[] {
  const parsed = envFiles.map((file) => ({ file, entries: parseEnvFile(file) }));
  const findings = parsed.flatMap(({ file, entries }) => valueFindings(file, entries));
  const publicReads = reads.filter((r) => r.name.startsWith('NEXT_PUBLIC_'));
  const readNames = new Set(reads.map((r) => r.name));

  // Names read on one line (`A ?? B`, one call given both) are alternatives the code chooses
  // between: one of them defined is enough, and they are not two names for one address.
  const lineOf = (r: EnvRead) => `${r.file}:${r.line}`;
  const alternatives = (name: string): Set<string> => {
    const lines = new Set(publicReads.filter((r) => r.name === name).map(lineOf));
    return new Set(publicReads.filter((r) => lines.has(lineOf(r))).map((r) => r.name));
  };
  const modes: BuildMode[] = ['development', 'production'];
  const loaded = new Map(modes.map((mode) => [mode, parsed.filter(({ file }) => modesOf(file.path).includes(mode))]));
  for (const name of new Set(publicReads.map((r) => r.name))) {
    const first = publicReads.find((r) => r.name === name)!;
    const others = publicReads.filter((r) => r.name === name).length - 1;
    const where = others > 0 ? ` (and ${others} more read${others > 1 ? 's' : ''})` : '';
    const names = alternatives(name);
    const missing = modes.filter((mode) => loaded.get(mode)!.length > 0 && !loaded.get(mode)!.some(({ entries }) => entries.some((e) => names.has(e.name))));
    if (missing.length > 0) {
      const details = missing.map((mode) => {
        const files = loaded.get(mode)!;
        const instead = [...new Set(files.flatMap(({ entries }) => entries.filter((e) => isRealtimeName(e.name)).map((e) => e.name)))];
        return `${mode} (${files.map(({ file }) => file.path).join(', ')}${instead.length ? ` has ${instead.join(', ')}` : ''})`;
      });
      findings.push(finding('env-var-undefined', first.file, first.line, `${name} is read here${where} but not defined for ${details.join(' nor ')}`));
    } else if (modes.every((mode) => loaded.get(mode)!.length === 0)) {
      findings.push(finding('env-var-unset', first.file, first.line, `${name} is read here${where}; no .env file loaded by Next.js defines it`));
    }
  }

  // Different names for the same address: report every name but the most read one.
  const addressNames = [...new Set(publicReads.filter((r) => isAddressName(r.name)).map((r) => r.name))];
  const oneAddress = addressNames.every((name) => addressNames.every((other) => alternatives(name).has(other)));
  if (addressNames.length > 1 && !oneAddress) {
    const count = (name: string) => publicReads.filter((r) => r.name === name).length;
    const main = addressNames.reduce((a, b) => (count(b) > count(a) ? b : a));
    const mainRead = publicReads.find((r) => r.name === main)!;
    for (const name of addressNames.filter((n) => n !== main)) {
      const read = publicReads.find((r) => r.name === name)!;
      findings.push(finding('env-var-names-differ', read.file, read.line, `reads ${name} while ${mainRead.file}:${mainRead.line} reads ${main}`));
    }
  }

  for (const { file, entries } of parsed) {
    for (const entry of entries) {
      if (entry.name.startsWith('NEXT_PUBLIC_') && isRealtimeName(entry.name) && !readNames.has(entry.name)) {
        findings.push(finding('env-var-unused', file.path, entry.line, `${entry.name} is defined but no code reads process.env.${entry.name}`));
      }
    }
  }
  return findings;
}
