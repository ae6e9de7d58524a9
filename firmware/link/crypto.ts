// Per-frame XSalsa20-Poly1305 built on nacl.lowlevel.
//
// XSalsa20 with a 24-byte nonce N = N[0..16) || N[16..24) is Salsa20 keyed with
// HSalsa20(K, N[0..16)) and nonced with N[16..24) (Bernstein, "Extending the Salsa20
// nonce", 2011). The link puts everything that is fixed for a session into N[0..16):
//   "SML1" | epoch u32 LE | node id | direction | 6 zero bytes
// and the frame counter and header byte 0 into N[16..24). So HSalsa20 runs once
// per session key (constructor), and a frame costs one Salsa20 stream call and one
// Poly1305, where nacl.secretbox would redo HSalsa20 for every seal and twice per open.
// The 24-byte nonce is never sent: both sides rebuild it from their own state and the
// header's counter.
//
// The 8 per-frame nonce bytes are N[16..24) = counter u32 LE | header byte 0 | 3 zero
// bytes. Header byte 0 (version, direction, epoch bit, message type) and byte 1 (node id,
// in the session part) thus both enter the nonce: a receiver rebuilds the nonce from the
// header it received, so changing any header byte changes the keystream and the one-time
// Poly1305 key, and the tag fails. The header is authenticated without a Poly1305 block of
// its own (a second block would cost ~1.4k computrons per side on XS).
//
// The rest is exactly nacl.secretbox: keystream bytes 0..31 are the one-time Poly1305
// key, the plaintext is XORed with keystream from byte 32 on, and the tag is
// Poly1305(ciphertext). A frame's ciphertext and tag are byte-for-byte secretbox's under
// the rebuilt 24-byte nonce, with the tag truncated to the profile's length
// (host-tests/link-crypto.test.ts checks this against nacl.secretbox).
//
// Salsa20 and HSalsa20 come from nacl.lowlevel. Poly1305 is firmware/link/poly1305.ts, a
// locals-only port of tweetnacl-fast's own code that costs 2.5k instead of 5.1k
// computrons per block on XS; it is tested against nacl.lowlevel.crypto_onetimeauth.
import { lowlevel } from './nacl';
import { poly1305 } from './poly1305';

export const KEY_BYTES = 32;
/** "expand 32-byte k", the Salsa20 constant */
const SIGMA = new Uint8Array([101, 120, 112, 97, 110, 100, 32, 51, 50, 45, 98, 121, 116, 101, 32, 107]);

/** The 16 session bytes of the nonce: "SML1", epoch, node id, direction, zeros. */
export function sessionNoncePrefix(epoch: number, nodeId: number, direction: number): Uint8Array {
  const p = new Uint8Array(16);
  p[0] = 0x53; // S
  p[1] = 0x4d; // M
  p[2] = 0x4c; // L
  p[3] = 0x31; // 1
  p[4] = epoch & 0xff;
  p[5] = (epoch >>> 8) & 0xff;
  p[6] = (epoch >>> 16) & 0xff;
  p[7] = (epoch >>> 24) & 0xff;
  p[8] = nodeId & 0xff;
  p[9] = direction & 0xff;
  return p;
}

/** The full 24-byte XSalsa20 nonce a frame uses (for tests and docs; never sent). */
export function frameNonce(epoch: number, nodeId: number, direction: number, counter: number, headerByte0: number): Uint8Array {
  const n = new Uint8Array(24);
  n.set(sessionNoncePrefix(epoch, nodeId, direction), 0);
  n[16] = counter & 0xff;
  n[17] = (counter >>> 8) & 0xff;
  n[18] = (counter >>> 16) & 0xff;
  n[19] = (counter >>> 24) & 0xff;
  n[20] = headerByte0 & 0xff;
  return n;
}

/** Constant-time comparison of a[ao..ao+n) and b[bo..bo+n): no early exit. */
export function equalConstantTime(a: Uint8Array, ao: number, b: Uint8Array, bo: number, n: number): boolean {
  let d = 0;
  for (let i = 0; i < n; i++) d |= a[ao + i] ^ b[bo + i];
  return d === 0;
}

/** One session: a direction's key at one epoch for one node. */
export class LinkCipher {
  private readonly subkey = new Uint8Array(32);
  private readonly n8 = new Uint8Array(8);
  private readonly ks: Uint8Array;
  private readonly mac = new Uint8Array(16);

  /** `maxBody` is the largest plaintext this session will carry (sizes the keystream buffer). */
  constructor(
    key: Uint8Array,
    readonly epoch: number,
    readonly nodeId: number,
    readonly direction: number,
    readonly maxBody: number,
  ) {
    if (key.length !== KEY_BYTES) throw new Error(`key length ${key.length} out of range ${KEY_BYTES}..${KEY_BYTES}`);
    lowlevel.crypto_core_hsalsa20(this.subkey, sessionNoncePrefix(epoch, nodeId, direction), key, SIGMA);
    this.ks = new Uint8Array(32 + maxBody);
  }

  private keystream(counter: number, headerByte0: number, bodyLen: number): void {
    this.n8[0] = counter & 0xff;
    this.n8[1] = (counter >>> 8) & 0xff;
    this.n8[2] = (counter >>> 16) & 0xff;
    this.n8[3] = (counter >>> 24) & 0xff;
    this.n8[4] = headerByte0 & 0xff;
    lowlevel.crypto_stream_salsa20(this.ks, 0, 32 + bodyLen, this.n8, this.subkey);
  }

  /**
   * Encrypt frame[hdr .. hdr+bodyLen) in place and write the tag (truncated to tagLen)
   * right after it. The header frame[0 .. hdr) must already hold byte 0 (bound through
   * the nonce, with the counter).
   */
  seal(frame: Uint8Array, hdr: number, bodyLen: number, counter: number, tagLen: number): void {
    this.keystream(counter, frame[0], bodyLen);
    for (let i = 0; i < bodyLen; i++) frame[hdr + i] ^= this.ks[32 + i];
    poly1305(this.mac, 0, frame, hdr, bodyLen, this.ks, 0);
    for (let i = 0; i < tagLen; i++) frame[hdr + bodyLen + i] = this.mac[i];
  }

  /**
   * Verify the tag after frame[hdr .. hdr+bodyLen) in constant time; only if it holds,
   * decrypt the body into out[outAt ..). Returns false (and writes nothing) otherwise.
   */
  open(frame: Uint8Array, hdr: number, bodyLen: number, counter: number, tagLen: number, out: Uint8Array, outAt: number): boolean {
    this.keystream(counter, frame[0], bodyLen);
    poly1305(this.mac, 0, frame, hdr, bodyLen, this.ks, 0);
    if (!equalConstantTime(frame, hdr + bodyLen, this.mac, 0, tagLen)) return false;
    for (let i = 0; i < bodyLen; i++) out[outAt + i] = frame[hdr + i] ^ this.ks[32 + i];
    return true;
  }
}
