/**
 * A fossil delta encoder (the format of fossil's delta.c, which the SDK decodes) that finds short
 * matches. The `fossil-delta` package finds copies through a 16-byte rolling hash, so the short
 * runs that stay the same between two versions of a small JSON document (`","percent":`) go as
 * literals; here every 4-byte run of the source is indexed, and the longest match at each
 * position of the target becomes a copy when it is shorter to write than its bytes.
 *
 * The format: the target's length and a newline; then commands, `N@O,` (copy N bytes from offset
 * O of the source) and `N:` followed by N literal bytes; then the target's checksum and `;`.
 * Numbers are written in fossil's base-64 digits, most significant first.
 */

const DIGITS = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz~';
const COPY = 0x40; // '@'
const COPY_END = 0x2c; // ','
const LITERAL = 0x3a; // ':'
const NEWLINE = 0x0a;
const END = 0x3b; // ';'

/** Runs shorter than this are never worth a copy command (at least `N@O,`, four bytes). */
const MIN_MATCH = 4;
/** Candidates tried per target position: bounds the time on repetitive input. */
const MAX_CANDIDATES = 64;
const HASH_BITS = 14;

/** A growable byte buffer. */
class Output {
  private bytes = new Uint8Array(256);
  length = 0;

  push(byte: number): void {
    if (this.length === this.bytes.length) this.grow(1);
    this.bytes[this.length++] = byte;
  }

  append(source: Uint8Array, start: number, end: number): void {
    const count = end - start;
    if (this.length + count > this.bytes.length) this.grow(count);
    this.bytes.set(source.subarray(start, end), this.length);
    this.length += count;
  }

  number(value: number): void {
    const digits: number[] = [];
    do {
      digits.push(DIGITS.charCodeAt(value & 0x3f));
      value = Math.floor(value / 64);
    } while (value > 0);
    for (let i = digits.length - 1; i >= 0; i--) this.push(digits[i]!);
  }

  result(): Uint8Array {
    return this.bytes.slice(0, this.length);
  }

  private grow(atLeast: number): void {
    const bigger = new Uint8Array(Math.max(this.bytes.length * 2, this.length + atLeast));
    bigger.set(this.bytes.subarray(0, this.length));
    this.bytes = bigger;
  }
}

function digitCount(value: number): number {
  let count = 1;
  for (let limit = 64; value >= limit; limit *= 64) count++;
  return count;
}

/**
 * Fossil's checksum: the sum of the bytes read as big-endian 32-bit words, a last partial word
 * padded with zeros on the right.
 */
export function fossilChecksum(bytes: Uint8Array): number {
  let sum = 0;
  const whole = bytes.length - (bytes.length % 4);
  for (let i = 0; i < whole; i += 4) sum = (sum + ((bytes[i]! << 24) | (bytes[i + 1]! << 16) | (bytes[i + 2]! << 8) | bytes[i + 3]!)) | 0;
  for (let i = whole, shift = 24; i < bytes.length; i++, shift -= 8) sum = (sum + (bytes[i]! << shift)) | 0;
  return sum >>> 0;
}

const hashOf = (bytes: Uint8Array, at: number): number =>
  (Math.imul((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!, 0x9e3779b1) >>> (32 - HASH_BITS));

/** Every 4-byte run of the source, by hash: `head` holds the latest position, `previous` the chain. */
function indexSource(source: Uint8Array): { head: Int32Array; previous: Int32Array } {
  const head = new Int32Array(1 << HASH_BITS).fill(-1);
  const previous = new Int32Array(Math.max(0, source.length));
  for (let at = 0; at + MIN_MATCH <= source.length; at++) {
    const hash = hashOf(source, at);
    previous[at] = head[hash]!;
    head[hash] = at;
  }
  return { head, previous };
}

/** The patch that turns `source` into `target`, in fossil's delta format. */
export function encodeFossilDelta(source: Uint8Array, target: Uint8Array): Uint8Array {
  const out = new Output();
  out.number(target.length);
  out.push(NEWLINE);
  const { head, previous } = indexSource(source);
  let literalStart = 0;
  let at = 0;
  while (at + MIN_MATCH <= target.length) {
    let bestLength = 0;
    let bestOffset = 0;
    let tried = 0;
    for (let candidate = head[hashOf(target, at)]!; candidate >= 0 && tried < MAX_CANDIDATES; candidate = previous[candidate]!, tried++) {
      let length = 0;
      while (at + length < target.length && candidate + length < source.length && source[candidate + length] === target[at + length]) length++;
      if (length > bestLength) {
        bestLength = length;
        bestOffset = candidate;
      }
    }
    // A copy also takes the bytes before it that match, out of the literal waiting to be written.
    let back = 0;
    while (bestLength > 0 && at - back > literalStart && bestOffset - back > 0 && source[bestOffset - back - 1] === target[at - back - 1]) back++;
    const length = bestLength + back;
    const cost = digitCount(length) + digitCount(bestOffset - back) + 2;
    if (bestLength < MIN_MATCH || cost >= length) {
      at++;
      continue;
    }
    const copyAt = at - back;
    if (copyAt > literalStart) {
      out.number(copyAt - literalStart);
      out.push(LITERAL);
      out.append(target, literalStart, copyAt);
    }
    out.number(length);
    out.push(COPY);
    out.number(bestOffset - back);
    out.push(COPY_END);
    at = copyAt + length;
    literalStart = at;
  }
  if (literalStart < target.length) {
    out.number(target.length - literalStart);
    out.push(LITERAL);
    out.append(target, literalStart, target.length);
  }
  out.number(fossilChecksum(target));
  out.push(END);
  return out.result();
}
