import { connectingCodes, disconnectedCodes } from 'centrifuge';
import { DisconnectCodes } from '@renum-realtime/protocol';
import { describe, expect, it } from 'vitest';
import { describeClose } from '../src/words.js';

describe('describeClose', () => {
  it('has words for every gateway close code in the protocol table', () => {
    for (const entry of Object.values(DisconnectCodes)) {
      const words = describeClose(entry.code, entry.reason, 'disconnected');
      expect(words).not.toMatch(/^The connection closed/);
      expect(words).toContain(`code ${entry.code}`);
    }
  });

  it('keeps the server reason when the words do not already say it', () => {
    expect(describeClose(3503, 'access revoked', 'disconnected')).toBe('The server ended this session. (access revoked, code 3503)');
    expect(describeClose(3001, 'shutdown', 'connecting')).toBe('The server is restarting. (shutdown, code 3001)');
  });

  it('reads SDK-local codes by phase: 1 is a lost transport while connecting, a refused token once disconnected', () => {
    expect(describeClose(connectingCodes.transportClosed, 'transport closed', 'connecting')).toBe('Lost the connection to the server.');
    expect(describeClose(disconnectedCodes.unauthorized, 'unauthorized', 'disconnected')).toBe(
      'You are not allowed to connect: the app refused to issue a sign-in token.',
    );
  });

  it('falls back to neutral words for an unknown code', () => {
    expect(describeClose(4999, '', 'disconnected')).toBe('The connection closed. (code 4999)');
  });
});
