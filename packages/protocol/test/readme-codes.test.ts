import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DisconnectCodes, ErrorCodes } from '../src/codes.js';

const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');

function tableRows(afterHeading: string): string[][] {
  const start = readme.indexOf(afterHeading);
  const lines = readme.slice(start).split('\n');
  const first = lines.findIndex((l) => l.startsWith('| code'));
  const rows: string[][] = [];
  for (const line of lines.slice(first + 2)) {
    if (!line.startsWith('|')) break;
    rows.push(line.split('|').slice(1, -1).map((cell) => cell.trim()));
  }
  return rows;
}

describe('README code tables', () => {
  it('list every reply error code as the protocol table has it', () => {
    const expected = Object.values(ErrorCodes).map((e) => [String(e.code), e.message, e.temporary ? 'retries (temporary)' : 'final']);
    expect(tableRows('Reply errors')).toEqual(expected);
  });

  it('list every close code with the SDK reaction', () => {
    const expected = Object.values(DisconnectCodes).map((d) => [String(d.code), d.reason, d.reconnect ? 'reconnects' : 'stops']);
    expect(tableRows('Close codes')).toEqual(expected);
  });
});
