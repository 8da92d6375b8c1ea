import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';

/** A client frame (RFC 6455 §5.3: clients must mask). Used for the few frames subscribers send. */
export function maskedFrame(text, opcode = 1) {
  const payload = Buffer.from(text);
  const length = payload.length;
  const header = length < 126 ? 2 : length < 65_536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(header + 4 + length);
  frame[0] = 0x80 | opcode;
  if (header === 2) frame[1] = 0x80 | length;
  else if (header === 4) {
    frame[1] = 0x80 | 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 0x80 | 127;
    frame.writeBigUInt64BE(BigInt(length), 2);
  }
  const mask = randomBytes(4);
  mask.copy(frame, header);
  for (let i = 0; i < length; i++) frame[header + 4 + i] = payload[i] ^ mask[i & 3];
  return frame;
}

const HEADER_END = Buffer.from('\r\n\r\n');

/**
 * A WebSocket client on a bare `node:net` socket: hand-written upgrade, frame-header parsing, no
 * per-message allocation beyond the payload view. `onFrame(opcode, payload)` gets every data frame;
 * servers here never fragment, so FIN is not tracked.
 */
export class RawSocket {
  constructor(onFrame, onClose) {
    this.onFrame = onFrame;
    this.onClose = onClose;
    this.rest = null;
    this.socket = null;
    this.open = false;
  }

  /** Resolves once the server answered 101; rejects on any other answer, error or timeout. */
  connect(host, port, path, timeoutMs) {
    return new Promise((resolve, reject) => {
      const key = randomBytes(16).toString('base64');
      const socket = connect({ host, port, noDelay: true });
      this.socket = socket;
      let head = Buffer.alloc(0);
      const fail = (error) => {
        clearTimeout(timer);
        socket.destroy();
        reject(error);
      };
      const timer = setTimeout(() => fail(new Error('upgrade timed out')), timeoutMs);
      socket.once('error', fail);
      socket.on('close', () => {
        this.open = false;
        this.onClose?.();
      });
      const onHead = (chunk) => {
        head = Buffer.concat([head, chunk]);
        const end = head.indexOf(HEADER_END);
        if (end === -1) return;
        socket.off('data', onHead);
        const status = head.toString('latin1', 0, Math.min(end, 16));
        if (!status.startsWith('HTTP/1.1 101')) return fail(new Error(`upgrade refused: ${status.trim()}`));
        clearTimeout(timer);
        socket.off('error', fail);
        socket.on('error', () => socket.destroy());
        this.open = true;
        socket.on('data', (data) => this.read(data));
        resolve();
        if (end + 4 < head.length) this.read(head.subarray(end + 4));
      };
      socket.on('data', onHead);
      socket.write(
        `GET ${path} HTTP/1.1\r\nHost: ${host}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
    });
  }

  send(text) {
    if (this.open) this.socket.write(maskedFrame(text));
  }

  close() {
    this.open = false;
    this.socket?.destroy();
  }

  read(chunk) {
    const buf = this.rest ? Buffer.concat([this.rest, chunk]) : chunk;
    this.rest = null;
    let offset = 0;
    while (buf.length - offset >= 2) {
      const opcode = buf[offset] & 0x0f;
      let length = buf[offset + 1] & 0x7f;
      let start = offset + 2;
      if (length === 126) {
        if (buf.length - offset < 4) break;
        length = buf.readUInt16BE(offset + 2);
        start = offset + 4;
      } else if (length === 127) {
        if (buf.length - offset < 10) break;
        length = Number(buf.readBigUInt64BE(offset + 2));
        start = offset + 10;
      }
      if (buf.length < start + length) break;
      const payload = buf.subarray(start, start + length);
      offset = start + length;
      if (opcode === 0x9) this.socket.write(maskedFrame(payload.toString('latin1'), 0xa));
      else if (opcode === 0x8) this.close();
      else if (opcode !== 0xa) this.onFrame(payload);
    }
    if (offset < buf.length) this.rest = buf.subarray(offset);
  }
}
