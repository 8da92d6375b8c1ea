import fc from 'fast-check';
import { applyDelta, createDelta } from 'fossil-delta';
import { describe, expect, it } from 'vitest';
import { encodeFossilDelta, fossilChecksum } from '../src/fossil.js';
import { sdkProtobuf } from './sdk-codecs.js';

/**
 * Our fossil encoder against two decoders: the reference one (`fossil-delta`'s `applyDelta`,
 * checksum verified) and the SDK's own (the protobuf build's, which patches bytes).
 */

const utf8 = new TextEncoder();

function decodedByBoth(source: Uint8Array, target: Uint8Array): void {
  const patch = encodeFossilDelta(source, target);
  expect([...applyDelta(source, patch, { verifyChecksum: true })]).toEqual([...target]);
  const { newData } = sdkProtobuf.applyDeltaIfNeeded({ data: patch, delta: true }, source);
  expect([...(newData as Uint8Array)]).toEqual([...target]);
}

/** A target made from the source by edits: bytes replaced, inserted and cut, as versions of a document differ. */
const edited = fc.tuple(fc.uint8Array({ maxLength: 600 }), fc.array(fc.tuple(fc.nat(), fc.nat({ max: 12 }), fc.uint8Array({ maxLength: 12 })), { maxLength: 8 }))
  .map(([source, edits]) => {
    let target = [...source];
    for (const [at, cut, insert] of edits) {
      const position = target.length === 0 ? 0 : at % target.length;
      target = [...target.slice(0, position), ...insert, ...target.slice(position + cut)];
    }
    return { source, target: Uint8Array.from(target) };
  });

describe('fossil delta encoder', () => {
  it('writes patches both decoders rebuild exactly, for edited versions and for unrelated bytes (property)', () => {
    fc.assert(fc.property(edited, ({ source, target }) => decodedByBoth(source, target)), { numRuns: 500 });
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), fc.uint8Array({ maxLength: 300 }), decodedByBoth), { numRuns: 300 });
  });

  it('handles the edges: empty source or target, repetitive input, and copies at both ends', () => {
    const repetitive = new Uint8Array(5000).fill(7);
    for (const [source, target] of [
      [new Uint8Array(0), utf8.encode('{"a":1}')],
      [utf8.encode('{"a":1}'), new Uint8Array(0)],
      [repetitive, Uint8Array.from([...repetitive, 8, ...repetitive.subarray(0, 100)])],
      [utf8.encode('abcdefgh-12345678'), utf8.encode('abcdefgh+12345678')],
    ] as const) decodedByBoth(source, target);
  });

  it('computes fossil\'s checksum: the sum of big-endian words, a last partial word padded on the right', () => {
    expect(fossilChecksum(new Uint8Array(0))).toBe(0);
    expect(fossilChecksum(Uint8Array.of(1, 2, 3, 4, 5))).toBe((0x01020304 + 0x05000000) >>> 0);
    expect(fossilChecksum(Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff))).toBe(0xfffffffe);
  });

  it('finds the short copies the package misses: a quarter fewer bytes on small JSON diffs', () => {
    const documents = Array.from({ length: 200 }, (_, step) => utf8.encode(JSON.stringify({
      run: 'run-2f9c1e7a-42', status: 'running', step, percent: Math.round(step * 3.7) / 10,
      updated_at: new Date(Date.UTC(2026, 11, 1, 21) + step * 1700).toISOString(), last_line: `shard ${step % 8} of 8: ${step * 13} passed`,
    })));
    let ours = 0;
    let theirs = 0;
    for (let i = 1; i < documents.length; i++) {
      ours += encodeFossilDelta(documents[i - 1]!, documents[i]!).length;
      theirs += createDelta(documents[i - 1]!, documents[i]!).length;
    }
    expect(ours).toBeLessThan(theirs * 0.8);
  });
});
