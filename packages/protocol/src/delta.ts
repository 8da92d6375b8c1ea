import { createDelta } from 'fossil-delta';
import type { JsonValue, Publication } from './types.js';

/**
 * Fossil delta compression of publications, as Centrifugo v6 does it for subscribers that asked
 * for `delta: "fossil"` in a namespace that allows it (centrifugal/centrifuge hub.go `getDeltaPub`,
 * client.go `makeRecoveredPubsDeltaFossil`). The SDK keeps the last full payload per subscription
 * and applies each patch to it with its own fossil decoder (from dchest/fossil-delta-js, the
 * package we encode with), checking the patch's checksum.
 */

export type DeltaProtocol = 'json' | 'protobuf';

export interface FossilDelta {
  /** The patch when `delta`, else the next payload itself. */
  data: Uint8Array;
  delta: boolean;
}

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * The patch that turns `previous` into `next`, or `next` itself when there is nothing to patch
 * (no previous payload) or the patch is not smaller than `next` (Centrifugo's rule).
 */
export function fossilDelta(previous: Uint8Array | undefined, next: Uint8Array): FossilDelta {
  if (previous === undefined) return { data: next, delta: false };
  const patch = createDelta(previous, next);
  return patch.length < next.length ? { data: patch, delta: true } : { data: next, delta: false };
}

/** A payload as JSON text; given as bytes already (JSON text encoded once, e.g. kept per channel), it is read back. */
function payloadText(data: JsonValue): string {
  return data instanceof Uint8Array ? new TextDecoder().decode(data) : (JSON.stringify(data) ?? 'null');
}

function payloadBytes(data: JsonValue): Uint8Array {
  return data instanceof Uint8Array ? data : utf8Encoder.encode(payloadText(data));
}

/**
 * What a delta subscriber receives in place of `publication`: `previousData` is the data of the
 * publication this subscriber received before on the channel, or undefined when this one is its
 * first since subscribing without recovery (then it goes full). Either data may be given as its
 * JSON text in UTF-8 bytes instead of a value, to spare encoding it again per publication.
 *
 * - protobuf: `data` is bytes, the JSON text or the patch (written as is by the protobuf encoder).
 * - JSON: `data` is a JSON *string* holding the JSON text or the patch, full publications
 *   included, as the SDK's JSON codec reads every publication of a delta subscription either as a
 *   patch or with `JSON.parse(pub.data)`. A patch travels as text, so one that is not UTF-8
 *   (a copy boundary inside a multi-byte character) goes full instead; Centrifugo would garble it.
 *
 * `delta: true` is set only on patches; full publications carry no `delta` field.
 */
export function fossilDeltaPublication(protocol: DeltaProtocol, publication: Publication, previousData?: JsonValue): Publication {
  const { delta: _ignored, ...rest } = publication;
  const next = payloadBytes(publication.data);
  const patched = fossilDelta(previousData === undefined ? undefined : payloadBytes(previousData), next);
  if (protocol === 'protobuf') return patched.delta ? { ...rest, data: patched.data, delta: true } : { ...rest, data: next };
  const patchText = patched.delta ? decodeUtf8(patched.data) : undefined;
  if (patchText !== undefined) return { ...rest, data: patchText, delta: true };
  return { ...rest, data: payloadText(publication.data) };
}

function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return utf8Decoder.decode(bytes);
  } catch {
    return undefined;
  }
}

/**
 * Recovered (or history-replayed) publications for a delta subscriber: the first full, each
 * following one a delta against the one before it, so the SDK rebuilds them in order. After a
 * successful recovery, live publications go on as deltas against the channel's previous one.
 */
export function fossilDeltaPublications(protocol: DeltaProtocol, publications: readonly Publication[]): Publication[] {
  return publications.map((publication, index) => fossilDeltaPublication(protocol, publication, index === 0 ? undefined : publications[index - 1]?.data));
}
