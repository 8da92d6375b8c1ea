import { DecodeError, decodeConnectRequest, decodeFrame, nestsDeeperThan } from '@renum-realtime/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { closeReason } from '../src/core/index.js';
import { OriginPolicy } from '../src/policy/origin.js';

const label = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?$/);

describe('property: origin matching', () => {
  it('a one-label wildcard never lets a host with an extra label through', () => {
    fc.assert(fc.property(label, label, label, (a, b, site) => {
      const policy = new OriginPolicy([`https://*.${site}.example`], 'production');
      expect(policy.check(`https://${a}.${site}.example`).allowed).toBe(true);
      expect(policy.check(`https://${a}.${b}.${site}.example`).allowed).toBe(false);
      expect(policy.check(`https://${a}.${site}.example.evil`).allowed).toBe(false);
      expect(policy.check(`http://${a}.${site}.example`).allowed).toBe(false);
    }));
  });

  it('never allows what is not an origin, whatever the patterns', () => {
    fc.assert(fc.property(fc.array(fc.constantFrom('*', 'https://*.x.example', 'http://localhost:*', '*.x.example'), { minLength: 1 }), fc.string(), (patterns, junk) => {
      const policy = new OriginPolicy(patterns, 'local');
      for (const origin of [`https://a.x.example/${junk}`, `https://user@a.x.example`, `https://a.x.example?${junk}`, `https://a.x.example#x`]) {
        expect(policy.check(origin).allowed).toBe(false);
      }
    }));
  });

  it('answers every string without throwing', () => {
    const policy = new OriginPolicy(['https://*.x.example', 'http://localhost:*', 'https://bücher.example'], 'production');
    fc.assert(fc.property(fc.string({ unit: 'grapheme' }), (origin) => {
      expect(typeof policy.check(origin).allowed).toBe('boolean');
    }));
  });
});

describe('property: close reasons', () => {
  it('always fit a close frame, end on a character boundary, and keep short reasons whole', () => {
    fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 200 }), (text) => {
      const reason = closeReason(text);
      expect(Buffer.byteLength(reason)).toBeLessThanOrEqual(123);
      expect(text.startsWith(reason) || Buffer.from(text).subarray(0, Buffer.byteLength(reason)).toString() === reason).toBe(true);
      expect(reason).not.toContain('\uFFFD');
      if (Buffer.byteLength(text) <= 123) expect(reason).toBe(text);
    }));
  });
});

describe('property: the JSON codec', () => {
  it('decodes any text to messages or a DecodeError, never another exception', () => {
    fc.assert(fc.property(fc.oneof(fc.string(), fc.json(), fc.array(fc.json()).map((lines) => lines.join('\n'))), (text) => {
      try {
        decodeFrame(text, 100);
      } catch (error) {
        expect(error).toBeInstanceOf(DecodeError);
      }
      try {
        decodeConnectRequest(text);
      } catch (error) {
        expect(error).toBeInstanceOf(DecodeError);
      }
    }));
  });

  it('round-trips every well-formed command the SDK could send', () => {
    const command = fc.record({
      id: fc.integer({ min: 1, max: 0xffffffff }),
      publish: fc.record({ channel: fc.string({ minLength: 1 }), data: fc.jsonValue() }),
    });
    fc.assert(fc.property(fc.array(command, { minLength: 1, maxLength: 20 }), (commands) => {
      const decoded = decodeFrame(commands.map((c) => JSON.stringify(c)).join('\n'), 100);
      expect(decoded.map((m) => 'id' in m && m.id)).toEqual(commands.map((c) => c.id));
    }));
  });

  it('measures nesting without recursing: deep values report past the limit, shallow ones do not', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 20_000 }), fc.integer({ min: 1, max: 100 }), (depth, limit) => {
      let value: unknown = 1;
      for (let i = 0; i < depth; i++) value = i % 2 ? [value] : { k: value };
      expect(nestsDeeperThan(value, limit)).toBe(depth > limit);
    }), { numRuns: 50 });
  });
});
