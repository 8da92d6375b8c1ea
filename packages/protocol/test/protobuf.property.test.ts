import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DecodeError, decodeFrame, decodeProtobufEmulationRequest, decodeProtobufFrame, encodeProtobufPush, encodeProtobufReply, encodePush, encodeReply } from '../src/index.js';
import { jsonBytes, plainProtobuf, sdkJson, sdkProtobuf, withoutDefaults } from './sdk-codecs.js';

// Channel names and tokens the JSON codec would take: well-formed Unicode, not empty.
const text = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 24 });
const offset = fc.nat({ max: Number.MAX_SAFE_INTEGER });

/** Commands in the SDK's shapes, with their payload still a JSON value. */
const command = fc.oneof(
  fc.record({ channel: text, data: fc.jsonValue() }).map((request) => ({ method: 'publish', request })),
  fc.record({ method: text, data: fc.jsonValue() }, { requiredKeys: [] }).map((request) => ({ method: 'rpc', request })),
  fc.record({ data: fc.jsonValue() }).map((request) => ({ method: 'send', request })),
  fc
    .record(
      { channel: text, token: text, recover: fc.constant(true), offset, epoch: text, positioned: fc.boolean(), join_leave: fc.boolean(), delta: fc.constant('fossil'), flag: fc.nat(3) },
      { requiredKeys: ['channel'] },
    )
    .map((request) => ({ method: 'subscribe', request })),
  fc
    .record({ channel: text, limit: fc.integer({ min: -1, max: 1000 }), since: fc.record({ offset, epoch: text }), reverse: fc.boolean() }, { requiredKeys: ['channel'] })
    .map((request) => ({ method: 'history', request })),
);

/** The same command for each SDK build: JSON values for the JSON build, their UTF-8 text for protobuf. */
function sdkForms(commands: { method: string; request: Record<string, unknown> }[]) {
  const build = (payload: (value: unknown) => unknown) =>
    commands.map(({ method, request }, index) => {
      const shaped = 'data' in request ? { ...request, data: payload(request.data) } : request;
      return method === 'send' ? { send: shaped } : { id: index + 1, [method]: shaped };
    });
  return { protobuf: build(jsonBytes), json: build((value) => value) };
}

const isDecodeError = (run: () => unknown): boolean => {
  try {
    run();
    return false;
  } catch (error) {
    if (error instanceof DecodeError) return true;
    throw error;
  }
};

describe('protobuf codec properties', () => {
  it('decodes any batch the SDK encodes to what the JSON codec gives for its JSON twin', () => {
    fc.assert(
      fc.property(fc.array(command, { minLength: 1, maxLength: 8 }), (commands) => {
        const { protobuf, json } = sdkForms(commands);
        expect(decodeProtobufFrame(sdkProtobuf.encodeCommands(protobuf), 10)).toStrictEqual(decodeFrame(sdkJson.encodeCommands(json), 10));
      }),
      { numRuns: 400 },
    );
  });

  it('encodes any publication so that the SDK decodes what its JSON build decodes from JSON', () => {
    const publication = fc.record(
      {
        data: fc.jsonValue(),
        offset,
        // protobufjs (the SDK's decoder) assigns map entries, so a "__proto__" key never reaches the SDK's app.
        tags: fc.dictionary(text.filter((key) => key !== '__proto__'), fc.string()),
        info: fc.record({ user: fc.string(), client: text, conn_info: fc.jsonValue(), chan_info: fc.jsonValue() }, { requiredKeys: ['user', 'client'] }),
      },
      { requiredKeys: ['data'] },
    );
    fc.assert(
      fc.property(text, publication, fc.nat({ max: 0xffffffff }), (channel, pub, id) => {
        const push = plainProtobuf(sdkProtobuf.decodeReplies(encodeProtobufPush(channel, 'pub', pub)));
        expect(push).toEqual(withoutDefaults(sdkJson.decodeReplies(encodePush(channel, 'pub', pub))));
        const history = { publications: [pub, pub], epoch: channel, offset: pub.offset ?? 0 };
        expect(plainProtobuf(sdkProtobuf.decodeReplies(encodeProtobufReply(id, 'history', history)))).toEqual(
          withoutDefaults(sdkJson.decodeReplies(encodeReply(id, 'history', history))),
        );
      }),
      { numRuns: 300 },
    );
  });

  it('throws nothing but DecodeError on garbage', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        isDecodeError(() => decodeProtobufFrame(bytes, 10));
        isDecodeError(() => decodeProtobufEmulationRequest(bytes));
      }),
      { numRuns: 3000 },
    );
  });

  it('throws nothing but DecodeError on valid frames with bytes changed, cut or inserted', () => {
    const frame = fc.array(command, { minLength: 1, maxLength: 4 }).map((commands) => Uint8Array.from(sdkProtobuf.encodeCommands(sdkForms(commands).protobuf)));
    const edit = fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.constantFrom('set', 'cut', 'insert'));
    fc.assert(
      fc.property(frame, fc.array(edit, { minLength: 1, maxLength: 4 }), (original, edits) => {
        let bytes = original;
        for (const [position, value, kind] of edits) {
          const at = position % (bytes.length + 1);
          if (kind === 'set' && at < bytes.length) bytes = Uint8Array.from(bytes, (byte, index) => (index === at ? value : byte));
          if (kind === 'cut') bytes = bytes.slice(0, at);
          if (kind === 'insert') bytes = Uint8Array.from([...bytes.slice(0, at), value, ...bytes.slice(at)]);
        }
        isDecodeError(() => decodeProtobufFrame(bytes, 10));
      }),
      { numRuns: 3000 },
    );
  });
});
