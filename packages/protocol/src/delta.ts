import { base64ToBytes, jsonClientData } from './binary.js';
import { encodeFossilDelta } from './fossil.js';
import type { Publication } from './types.js';

/**
 * Fossil delta compression of publications, as Centrifugo v6 does it for subscribers that asked
 * for `delta: "fossil"` in a namespace that allows it (centrifugal/centrifuge hub.go `getDeltaPub`,
 * client.go `makeRecoveredPubsDeltaFossil`). The SDK keeps the last full payload per subscription
 * and applies each patch to it with its own fossil decoder (from dchest/fossil-delta-js), checking
 * the patch's checksum; our encoder (fossil.ts) writes the same format with shorter patches.
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
  const patch = encodeFossilDelta(previous, next);
  return patch.length < next.length ? { data: patch, delta: true } : { data: next, delta: false };
}

/** The payload as JSON text, as a JSON client reads it (binary data as `jsonClientData`). */
function payloadText(publication: Publication): string {
  const data = publication.binary === true ? jsonClientData(publication.data as string) : publication.data;
  return JSON.stringify(data) ?? 'null';
}

/** The payload's bytes as a client of `protocol` reads it in full: what its fossil decoder patches. */
function payloadBytes(protocol: DeltaProtocol, publication: Publication): Uint8Array {
  if (protocol === 'protobuf' && publication.binary === true) return base64ToBytes(publication.data as string);
  return utf8Encoder.encode(payloadText(publication));
}

/**
 * What a delta subscriber receives in place of `publication`: `previous` is the publication this
 * subscriber received before on the channel, or undefined when this one is its first since
 * subscribing without recovery (then it goes full).
 *
 * - protobuf: `data` is bytes, the payload (binary data as it is, JSON as its text) or the patch
 *   (written as is by the protobuf encoder).
 * - JSON: `data` is a JSON *string* holding the JSON text or the patch, full publications
 *   included, as the SDK's JSON codec reads every publication of a delta subscription either as a
 *   patch or with `JSON.parse(pub.data)`. A patch travels as text, so one that is not UTF-8
 *   (a copy boundary inside a multi-byte character) goes full instead; Centrifugo would garble it.
 *
 * `delta: true` is set only on patches; full publications carry no `delta` field. The result has
 * no `binary` flag: its data is already what the client reads.
 */
export function fossilDeltaPublication(protocol: DeltaProtocol, publication: Publication, previous?: Publication): Publication {
  const { delta: _ignored, binary: _binary, ...rest } = publication;
  const next = payloadBytes(protocol, publication);
  const patched = fossilDelta(previous === undefined ? undefined : payloadBytes(protocol, previous), next);
  if (protocol === 'protobuf') return patched.delta ? { ...rest, data: patched.data, delta: true } : { ...rest, data: next };
  const patchText = patched.delta ? decodeUtf8(patched.data) : undefined;
  if (patchText !== undefined) return { ...rest, data: patchText, delta: true };
  return { ...rest, data: payloadText(publication) };
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
  return publications.map((publication, index) => fossilDeltaPublication(protocol, publication, index === 0 ? undefined : publications[index - 1]));
}
