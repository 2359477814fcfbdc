// Streaming decoder: takes bytes as the transport delivers them, in chunks of any size, and
// yields whole packets. The Remaining Length is bounded by our Maximum Packet Size (MQTT 5.0
// §3.1.2.11.4) as soon as it is read — at most five bytes into a packet — and only then is a
// buffer of that size allocated. After the first reject it yields nothing more: the connection
// is to be closed.
import { decodePacket, fixedHeaderProblem, type Decoded } from './codec.ts';
import { fail } from '../../hardware/errors.ts';
import { MAX_VARINT } from './limits.ts';
import { RC, type Reject } from './reject.ts';

const EMPTY = new Uint8Array(0);

export class Decoder {
  readonly maxPacketSize: number;
  #first = -1;
  #length = 0;
  #lengthBytes = 0;
  #body: Uint8Array | null = null;
  #filled = 0;
  #failed: Reject | null = null;

  constructor(maxPacketSize: number) {
    if (!Number.isInteger(maxPacketSize) || maxPacketSize < 2 || maxPacketSize > MAX_VARINT + 5) {
      fail('mqtt.usage', `"maxPacketSize" expected an integer in 2..${MAX_VARINT + 5}, got ${maxPacketSize}`);
    }
    this.maxPacketSize = maxPacketSize;
  }

  /** The reject that stopped this decoder, or null. */
  get failed(): Reject | null { return this.#failed; }

  #stop(r: Reject): Decoded[] {
    this.#failed = r;
    this.#body = null;
    return [r];
  }

  /** Reads one Remaining Length byte; a reject when the length is impossible or too large. */
  #lengthByte(x: number): Reject | null {
    this.#length |= (x & 0x7f) << (7 * this.#lengthBytes); // at most 28 bits: integer arithmetic
    this.#lengthBytes++;
    if (x & 0x80) {
      // §1.5.5: at most four bytes.
      return this.#lengthBytes === 4 ? { ok: false, code: RC.MALFORMED, reason: 'mqtt.malformed', detail: 'Remaining Length longer than four bytes (§1.5.5)' } : null;
    }
    // §1.5.5 [MQTT-1.5.5-1]: the fewest bytes that hold the value.
    if (x === 0 && this.#lengthBytes > 1) return { ok: false, code: RC.MALFORMED, reason: 'mqtt.malformed', detail: 'Remaining Length not in its shortest form (§1.5.5)' };
    const size = 1 + this.#lengthBytes + this.#length;
    // §3.1.2.11.4 [MQTT-3.1.2-24]: the broker must not send more than our Maximum Packet Size.
    if (size > this.maxPacketSize) {
      return { ok: false, code: RC.PACKET_TOO_LARGE, reason: 'mqtt.too-large', detail: `a packet of ${size} bytes announced; the limit is ${this.maxPacketSize}` };
    }
    this.#body = this.#length === 0 ? EMPTY : new Uint8Array(this.#length);
    this.#filled = 0;
    return null;
  }

  /** The packets (or the one reject) completed by `chunk`. */
  push(chunk: Uint8Array): Decoded[] {
    if (this.#failed) return [];
    const out: Decoded[] = [];
    let i = 0;
    while (i < chunk.length || (this.#body !== null && this.#filled === this.#body.length)) {
      if (this.#first < 0) {
        const bad = fixedHeaderProblem(chunk[i]!);
        if (bad) return [...out, ...this.#stop(bad)];
        this.#first = chunk[i++]!;
        this.#length = 0;
        this.#lengthBytes = 0;
      } else if (this.#body === null) {
        const bad = this.#lengthByte(chunk[i++]!);
        if (bad) return [...out, ...this.#stop(bad)];
      } else if (this.#filled < this.#body.length) {
        const n = Math.min(chunk.length - i, this.#body.length - this.#filled);
        this.#body.set(chunk.subarray(i, i + n), this.#filled);
        this.#filled += n;
        i += n;
      } else {
        const d = decodePacket(this.#first, this.#body);
        this.#first = -1;
        this.#body = null;
        if (!d.ok) return [...out, ...this.#stop(d)];
        out.push(d);
      }
    }
    return out;
  }
}
