import { describe, expect, it } from 'vitest';
import { DecodeError, decodeFrame, encodeError, encodePush, encodeReply, joinMessages } from '../src/codec.js';
import { DisconnectCodes, ErrorCodes, clientReconnectsAfter } from '../src/codes.js';

const decodeError = (text: string, max = 10): string => {
  try {
    decodeFrame(text, max);
  } catch (error) {
    expect(error).toBeInstanceOf(DecodeError);
    return (error as DecodeError).reason;
  }
  throw new Error('expected a DecodeError');
};

describe('decodeFrame', () => {
  it('splits the SDK batch: connect first, then optimistic subscribes', () => {
    const frame = '{"id":1,"connect":{"token":"t","name":"js"}}\n{"id":2,"subscribe":{"channel":"news","flag":1}}';
    expect(decodeFrame(frame, 10)).toEqual([
      { id: 1, method: 'connect', request: { token: 't', name: 'js' } },
      { id: 2, method: 'subscribe', request: { channel: 'news', flag: 1 } },
    ]);
  });

  it('reads an empty object as a pong and a send without id', () => {
    expect(decodeFrame('{}', 10)).toEqual([{ method: 'pong' }]);
    expect(decodeFrame('{"send":{"data":{"a":1}}}', 10)).toEqual([{ id: 0, method: 'send', request: { data: { a: 1 } } }]);
  });

  it('rejects what the SDK never sends, naming why', () => {
    expect(decodeError('')).toBe('empty frame');
    expect(decodeError('{"id":1,"connect":')).toBe('frame is not valid JSON');
    expect(decodeError('"hello"')).toBe('command must be a JSON object');
    expect(decodeError('{"id":1}')).toBe('command has an id but no method');
    expect(decodeError('{"id":1,"connect":{},"subscribe":{}}')).toBe('command has several methods: connect, subscribe');
    expect(decodeError('{"id":1,"teleport":{}}')).toBe('unknown method "teleport"');
    expect(decodeError('{"id":-1,"connect":{}}')).toBe('command id must be an unsigned 32-bit integer');
    expect(decodeError('{"id":4294967296,"connect":{}}')).toBe('command id must be an unsigned 32-bit integer');
    expect(decodeError('{"subscribe":{"channel":"x"}}')).toBe('subscribe command without id');
    expect(decodeError('{"id":2,"subscribe":{"channel":""}}')).toBe('subscribe.channel is required');
    expect(decodeError('{"id":2,"subscribe":{"channel":7}}')).toBe('subscribe.channel must be a string');
    expect(decodeError('{"id":2,"subscribe":{"channel":"x","offset":-3}}')).toBe('subscribe.offset must be a non-negative integer');
    expect(decodeError('{"id":2,"history":[]}')).toBe('history: request must be an object');
    expect(decodeError('{}\n{}\n{}', 2)).toBe('frame carries more than 2 commands');
  });

  it('treats bytes that are not JSON text as malformed, whatever they decode to', () => {
    const bytes = Buffer.from('7b 22 69 64 22 3a 31 2c ff fe 7d'.replace(/ /g, ''), 'hex');
    expect(decodeError(bytes.toString('utf8'))).toBe('frame is not valid JSON');
  });
});

describe('encoders', () => {
  it('always carries the method key in a reply, and never a raw newline', () => {
    expect(encodeReply(3, 'publish', {})).toBe('{"id":3,"publish":{}}');
    const reply = encodeReply(4, 'history', { publications: [{ data: { text: 'a\nb' }, offset: 1 }], epoch: 'e', offset: 1 });
    expect(reply).not.toContain('\n');
    expect(JSON.parse(reply).history.publications[0].data.text).toBe('a\nb');
  });

  it('marks temporary errors and only those', () => {
    expect(encodeError(5, ErrorCodes.tooManyRequests)).toBe('{"id":5,"error":{"code":111,"message":"too many requests","temporary":true}}');
    expect(encodeError(6, ErrorCodes.permissionDenied)).toBe('{"id":6,"error":{"code":103,"message":"permission denied"}}');
  });

  it('encodes pushes with and without a channel, joined by newlines', () => {
    const pub = encodePush('news', 'pub', { data: { x: 1 }, offset: 2 });
    const message = encodePush(undefined, 'message', { data: 'hi' });
    expect(joinMessages([pub, message])).toBe('{"push":{"channel":"news","pub":{"data":{"x":1},"offset":2}}}\n{"push":{"message":{"data":"hi"}}}');
  });
});

describe('code tables', () => {
  it('agree with what the official client does after each close code', () => {
    for (const entry of Object.values(DisconnectCodes)) {
      expect(clientReconnectsAfter(entry.code), `${entry.code} ${entry.reason}`).toBe(entry.reconnect);
    }
  });

  it('keep close reasons within a close frame', () => {
    for (const entry of Object.values(DisconnectCodes)) expect(Buffer.byteLength(entry.reason)).toBeLessThanOrEqual(123);
  });
});
