import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  encodeProtobufPush,
  encodeProtobufReply,
  encodePush,
  encodeReply,
  fossilDelta,
  fossilDeltaPublication,
  fossilDeltaPublications,
  type DeltaProtocol,
  type Publication,
} from '../src/index.js';
import { sdkJson, sdkProtobuf, type SdkCodec } from './sdk-codecs.js';

const CHANNEL = 'executions:exec_01JDZ6Q8W3K9';

/** An execution-progress event of about 300 bytes; each step changes a few fields. */
function progressDocument(step: number): Record<string, unknown> {
  const total = 240;
  return {
    execution_id: 'exec_01JDZ6Q8W3K9',
    workflow: 'nightly-billing-reconciliation',
    status: step === total ? 'succeeded' : 'running',
    step: { index: step, total, name: `reconcile-batch-${Math.floor(step / 10)}` },
    progress: Math.round((step / total) * 10000) / 100,
    processed: step * 37,
    failed: Math.floor(step / 50),
    eta_seconds: (total - step) * 4,
    updated_at: new Date(Date.UTC(2026, 11, 1, 21, 0, step)).toISOString(),
    worker: 'worker-3.eu-west-1',
  };
}

const utf8 = new TextDecoder();

/** The SDK's decoding of one publication push: its codec, then its fossil applier for delta subscriptions. */
function sdkReceive(codec: SdkCodec, frame: Uint8Array | string, previous: Uint8Array | undefined, binary = false) {
  const [reply] = codec.decodeReplies(frame);
  const { newData, newPrevValue, isDelta } = codec.applyDeltaIfNeeded(reply?.push.pub, previous);
  const bytesOrJson = newData instanceof Uint8Array && binary ? [...newData] : newData;
  const document = bytesOrJson instanceof Uint8Array ? JSON.parse(utf8.decode(bytesOrJson)) : bytesOrJson;
  return { document, previous: newPrevValue, isDelta };
}

const frameFor = (protocol: DeltaProtocol, publication: Publication) =>
  protocol === 'json' ? encodePush(CHANNEL, 'pub', publication) : encodeProtobufPush(CHANNEL, 'pub', publication);
const codecFor = (protocol: DeltaProtocol) => (protocol === 'json' ? sdkJson : sdkProtobuf);
const byteLength = (frame: Uint8Array | string) => (typeof frame === 'string' ? Buffer.byteLength(frame) : frame.length);

describe('fossil delta', () => {
  it('sends the first publication full, and full again when the delta is not smaller', () => {
    const next = new TextEncoder().encode('{"a":1}');
    expect(fossilDelta(undefined, next)).toEqual({ data: next, delta: false });
    expect(fossilDelta(new TextEncoder().encode('{"totally":"different"}'), next)).toEqual({ data: next, delta: false });
    const long = new TextEncoder().encode(JSON.stringify(progressDocument(1)));
    expect(fossilDelta(long, new TextEncoder().encode(JSON.stringify(progressDocument(2)))).delta).toBe(true);
  });

  it.each(['json', 'protobuf'] as const)('%s: 240 small diffs of a progress document decode in the SDK to the exact documents', (protocol) => {
    let sdkPrevious: Uint8Array | undefined;
    let sentPrevious: Publication | undefined;
    let deltas = 0;
    for (let step = 1; step <= 240; step++) {
      const document = progressDocument(step);
      const publication = { data: document, offset: step };
      const wire = fossilDeltaPublication(protocol, publication, sentPrevious);
      const received = sdkReceive(codecFor(protocol), frameFor(protocol, wire), sdkPrevious);
      expect(received.document).toEqual(document);
      expect(received.isDelta).toBe(wire.delta === true);
      if (received.isDelta) deltas++;
      sdkPrevious = received.previous;
      sentPrevious = publication;
    }
    expect(deltas).toBe(239);
  });

  it.each(['json', 'protobuf'] as const)('%s: binary data (base64 with the binary flag) patches as its bytes, and goes out without the flag', (protocol) => {
    const bytes = (step: number) => Uint8Array.from({ length: 120 }, (_, i) => (i === 60 ? step : (i * 13) % 256));
    const publication = (step: number): Publication => ({ data: Buffer.from(bytes(step)).toString('base64'), binary: true, offset: step });
    const first = fossilDeltaPublication(protocol, publication(1));
    const second = fossilDeltaPublication(protocol, publication(2), publication(1));
    expect(first.binary).toBeUndefined();
    expect(second.delta).toBe(true);
    const firstReceived = sdkReceive(codecFor(protocol), frameFor(protocol, first), undefined, true);
    const secondReceived = sdkReceive(codecFor(protocol), frameFor(protocol, second), firstReceived.previous, true);
    // Protobuf clients rebuild the bytes; JSON clients the base64 string they were given in full.
    expect(secondReceived.document).toEqual(protocol === 'protobuf' ? [...bytes(2)] : publication(2).data);
  });

  it.each(['json', 'protobuf'] as const)('%s: recovered publications go first full, then as a chain the SDK rebuilds', (protocol) => {
    const documents = [3, 4, 5, 6].map(progressDocument);
    const recovered = fossilDeltaPublications(protocol, documents.map((data, index) => ({ data, offset: index + 3 })));
    expect(recovered.map((publication) => publication.delta === true)).toEqual([false, true, true, true]);
    expect(recovered.map((publication) => publication.offset)).toEqual([3, 4, 5, 6]);
    const result = { recoverable: true, positioned: true, epoch: 'e', offset: 6, recovered: true, delta: true, publications: recovered };
    const frame = protocol === 'json' ? encodeReply(2, 'subscribe', result) : encodeProtobufReply(2, 'subscribe', result);
    const [reply] = codecFor(protocol).decodeReplies(frame);
    let previous: Uint8Array | undefined;
    const rebuilt = (reply?.subscribe.publications as unknown[]).map((pub) => {
      const { newData, newPrevValue } = codecFor(protocol).applyDeltaIfNeeded(pub, previous);
      previous = newPrevValue;
      return newData instanceof Uint8Array ? JSON.parse(utf8.decode(newData)) : newData;
    });
    expect(rebuilt).toEqual(documents);
  });

  it('sends a JSON patch that would not survive as text full instead', () => {
    // Copies end at byte boundaries: "é" (c3 a9) turning into "è" (c3 a8) leaves a literal run of
    // the lone continuation byte a8, which is not UTF-8 and cannot travel in a JSON string.
    const previous = { text: `${'é'.repeat(40)}aéb${'é'.repeat(40)}` };
    const next = { text: `${'é'.repeat(40)}aèb${'é'.repeat(40)}` };
    const patch = fossilDelta(new TextEncoder().encode(JSON.stringify(previous)), new TextEncoder().encode(JSON.stringify(next)));
    expect(patch.delta).toBe(true);
    expect(() => new TextDecoder('utf-8', { fatal: true }).decode(patch.data)).toThrow(TypeError);
    const wire = fossilDeltaPublication('json', { data: next }, { data: previous });
    expect(wire.delta).toBeUndefined();
    const received = sdkReceive(sdkJson, frameFor('json', wire), new TextEncoder().encode(JSON.stringify(previous)));
    expect(received.document).toEqual(next);
    // Protobuf carries bytes: the same patch goes as a delta.
    expect(fossilDeltaPublication('protobuf', { data: next }, { data: previous }).delta).toBe(true);
  });

  it.each(['json', 'protobuf'] as const)('%s: any JSON document following any other decodes in the SDK (property)', (protocol) => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), (before, after) => {
        const first = fossilDeltaPublication(protocol, { data: before });
        const firstReceived = sdkReceive(codecFor(protocol), frameFor(protocol, first), undefined);
        const second = fossilDeltaPublication(protocol, { data: after }, { data: before });
        const secondReceived = sdkReceive(codecFor(protocol), frameFor(protocol, second), firstReceived.previous);
        expect(secondReceived.document).toEqual(JSON.parse(JSON.stringify(after)));
      }),
      { numRuns: 300 },
    );
  });

  it('reports bytes per delivery of the progress document: JSON, protobuf and delta', () => {
    const steps = 240;
    const totals = { json: 0, protobuf: 0, jsonDelta: 0, protobufDelta: 0, document: 0, patch: 0 };
    for (let step = 2; step <= steps; step++) {
      const publication = { data: progressDocument(step), offset: step };
      const previous = { data: progressDocument(step - 1) };
      const protobufDelta = fossilDeltaPublication('protobuf', publication, previous);
      totals.json += byteLength(encodePush(CHANNEL, 'pub', publication));
      totals.protobuf += byteLength(encodeProtobufPush(CHANNEL, 'pub', publication));
      totals.jsonDelta += byteLength(encodePush(CHANNEL, 'pub', fossilDeltaPublication('json', publication, previous)));
      totals.protobufDelta += byteLength(encodeProtobufPush(CHANNEL, 'pub', protobufDelta));
      totals.document += Buffer.byteLength(JSON.stringify(publication.data));
      totals.patch += (protobufDelta.data as Uint8Array).length;
    }
    const deliveries = steps - 1;
    const perDelivery = Object.fromEntries(Object.entries(totals).map(([key, total]) => [key, Math.round((total / deliveries) * 10) / 10]));
    const ratio = (key: keyof typeof totals, base: keyof typeof totals = 'json') => Math.round((totals[key] / totals[base]) * 1000) / 1000;
    console.log(
      `bytes per delivery of a progress document (channel ${CHANNEL}): ${JSON.stringify(perDelivery)}; frames vs JSON: ` +
        `protobuf ${ratio('protobuf')}x, JSON+delta ${ratio('jsonDelta')}x, protobuf+delta ${ratio('protobufDelta')}x; ` +
        `patch vs document ${ratio('patch', 'document')}x`,
    );
    expect(totals.document / deliveries).toBeGreaterThan(250);
    expect(totals.protobuf).toBeLessThan(totals.json);
    expect(totals.jsonDelta).toBeLessThan(totals.json / 2);
    expect(totals.protobufDelta).toBeLessThan(totals.jsonDelta);
    expect(ratio('patch', 'document')).toBeLessThanOrEqual(0.3);
  });
});
