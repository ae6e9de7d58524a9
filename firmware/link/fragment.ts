// Fragmentation of messages larger than one frame body (trip logs, configuration).
//
// Each fragment is its own sealed frame of type MSG_FRAGMENT (own counter, own tag), so
// the replay window already drops duplicated or replayed fragments; the reassembler
// still tolerates duplicates, reordering and loss on its own (it is fuzzed raw).
// Fragment body:
//   [0] message id (u8, the sender's running number)
//   [1] bits 7-4 fragment index, bits 3-0 fragment count - 1  (1 .. 16 fragments)
//   [2..] chunk: every fragment but the last carries exactly `chunk` bytes
// The message itself is [inner type][bytes...]. On nRF24 the body is 18 bytes, the chunk
// 16, so a message is at most 16 * 16 = 256 bytes.

export const FRAG_HEADER = 2;
export const FRAG_MAX_COUNT = 16;

export function maxMessage(maxBodyLen: number): number {
  return FRAG_MAX_COUNT * (maxBodyLen - FRAG_HEADER);
}

/** Split `message` into fragment bodies for a link with bodies of `maxBodyLen` bytes. */
export function fragmentMessage(msgId: number, message: Uint8Array, maxBodyLen: number): Uint8Array[] | string {
  const chunk = maxBodyLen - FRAG_HEADER;
  if (!(chunk >= 1)) return `maxBodyLen ${maxBodyLen} out of range ${FRAG_HEADER + 1}..`;
  const max = FRAG_MAX_COUNT * chunk;
  if (message.length < 1 || message.length > max) return `message length ${message.length} out of range 1..${max}`;
  const count = Math.ceil(message.length / chunk);
  const out: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const start = i * chunk;
    const end = start + chunk < message.length ? start + chunk : message.length;
    const b = new Uint8Array(FRAG_HEADER + end - start);
    b[0] = msgId & 0xff;
    b[1] = (i << 4) | (count - 1);
    b.set(message.subarray(start, end), FRAG_HEADER);
    out.push(b);
  }
  return out;
}

export type FragmentReject = 'short' | 'long' | 'index' | 'size' | 'count' | 'conflict' | 'duplicate';

export type ReassemblyResult = { status: 'partial' } | { status: 'complete'; message: Uint8Array } | { status: 'rejected'; reason: FragmentReject };

interface Assembly {
  source: number;
  msgId: number;
  count: number;
  got: number; // bitmap of received indices
  lastLen: number;
  startUs: number;
  data: Uint8Array;
}

interface Done {
  source: number;
  msgId: number;
  atUs: number;
}

/**
 * Reassembles fragments from several sources (e.g. nodeId * 2 + direction) with a fixed
 * number of slots. A message not complete within `timeoutUs` of its first fragment is
 * dropped (loss). When all slots are busy, the oldest assembly is dropped. A fragment of a
 * message completed less than `timeoutUs` ago is a duplicate.
 */
/** src[start..end) as a new Uint8Array (not slice(): Espruino 2v29's typed-array slice returns a plain Array) */
function bytesOf(src: Uint8Array, start: number, end: number): Uint8Array {
  const c = new Uint8Array(end - start);
  for (let i = 0; i < c.length; i++) c[i] = src[start + i];
  return c;
}

export class Reassembler {
  private readonly slots: (Assembly | undefined)[] = [];
  private readonly done: Done[] = [];
  private readonly chunk: number;
  readonly stats: Record<string, number> = { complete: 0, timeout: 0, evicted: 0 };

  constructor(
    readonly maxBodyLen: number,
    readonly slotCount: number,
    readonly timeoutUs: number,
  ) {
    this.chunk = maxBodyLen - FRAG_HEADER;
    for (let i = 0; i < slotCount; i++) this.slots.push(undefined);
    const reasons: FragmentReject[] = ['short', 'long', 'index', 'size', 'count', 'conflict', 'duplicate'];
    for (let i = 0; i < reasons.length; i++) this.stats[reasons[i]] = 0;
  }

  /** Drop assemblies and completion records older than the timeout. */
  expire(nowUs: number): void {
    for (let i = 0; i < this.slots.length; i++) {
      const a = this.slots[i];
      if (a !== undefined && nowUs - a.startUs > this.timeoutUs) {
        this.slots[i] = undefined;
        this.stats.timeout++;
      }
    }
    let k = 0;
    for (let i = 0; i < this.done.length; i++) if (nowUs - this.done[i].atUs <= this.timeoutUs) this.done[k++] = this.done[i];
    // splice, not `length = k`: Espruino 2v29 refuses writes to length ("Assignment to a constant")
    this.done.splice(k, this.done.length - k);
  }

  private reject(reason: FragmentReject): ReassemblyResult {
    this.stats[reason]++;
    return { status: 'rejected', reason: reason };
  }

  add(source: number, body: Uint8Array, len: number, nowUs: number): ReassemblyResult {
    this.expire(nowUs);
    if (!(len > FRAG_HEADER) || body.length < len) return this.reject('short');
    if (len > this.maxBodyLen) return this.reject('long');
    const msgId = body[0];
    const index = body[1] >>> 4;
    const count = (body[1] & 15) + 1;
    if (index >= count) return this.reject('index');
    const n = len - FRAG_HEADER;
    const last = index === count - 1;
    if (last ? n > this.chunk : n !== this.chunk) return this.reject('size');
    for (let i = 0; i < this.done.length; i++) {
      if (this.done[i].source === source && this.done[i].msgId === msgId) return this.reject('duplicate');
    }
    let a: Assembly | undefined;
    let free = -1;
    let oldest = -1;
    for (let i = 0; i < this.slots.length; i++) {
      const s = this.slots[i];
      if (s === undefined) {
        if (free < 0) free = i;
      } else if (s.source === source && s.msgId === msgId) {
        a = s;
      } else if (oldest < 0 || s.startUs < (this.slots[oldest] as Assembly).startUs) {
        oldest = i;
      }
    }
    if (a === undefined) {
      if (free < 0) {
        free = oldest;
        this.stats.evicted++;
      }
      a = { source: source, msgId: msgId, count: count, got: 0, lastLen: 0, startUs: nowUs, data: new Uint8Array(count * this.chunk) };
      this.slots[free] = a;
    } else if (a.count !== count) {
      this.drop(a);
      return this.reject('count');
    }
    const at = index * this.chunk;
    if ((a.got & (1 << index)) !== 0) {
      let same = last ? a.lastLen === n : true;
      for (let i = 0; i < n && same; i++) if (a.data[at + i] !== body[FRAG_HEADER + i]) same = false;
      if (same) return this.reject('duplicate');
      this.drop(a);
      return this.reject('conflict');
    }
    for (let i = 0; i < n; i++) a.data[at + i] = body[FRAG_HEADER + i];
    a.got |= 1 << index;
    if (last) a.lastLen = n;
    if (a.got !== (1 << count) - 1) return { status: 'partial' };
    this.drop(a);
    this.done.push({ source: source, msgId: msgId, atUs: nowUs });
    if (this.done.length > 4 * this.slots.length) this.done.shift();
    this.stats.complete++;
    return { status: 'complete', message: bytesOf(a.data, 0, (count - 1) * this.chunk + a.lastLen) };
  }

  private drop(a: Assembly): void {
    for (let i = 0; i < this.slots.length; i++) if (this.slots[i] === a) this.slots[i] = undefined;
  }

  /** Assemblies in progress (for tests and the status console). */
  inProgress(): number {
    let n = 0;
    for (let i = 0; i < this.slots.length; i++) if (this.slots[i] !== undefined) n++;
    return n;
  }
}
