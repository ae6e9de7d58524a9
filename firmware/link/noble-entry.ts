// XS entry for the @noble/curves verify: its cost (tools/bench/security.ts) and its
// verdicts on vectors the Node test made (host-tests/link-verify-noble.test.ts).
import { nacl } from './nacl';
import { verifyStrictNacl } from './ed25519-strict';
import { verifyStrictNoble } from './ed25519-noble';

/** The same key, 80-byte message and signature as parity-entry.ts signBenchSetup. */
export function nobleBenchSetup(): { publicKey: Uint8Array; msg: Uint8Array; sig: Uint8Array } {
  const seed = new Uint8Array(32);
  for (let i = 0; i < 32; i++) seed[i] = i + 7;
  const kp = nacl.sign.keyPair.fromSeed(seed);
  const msg = new Uint8Array(80);
  for (let i = 0; i < 80; i++) msg[i] = i;
  return { publicKey: kp.publicKey, msg: msg, sig: nacl.sign.detached(msg, kp.secretKey) };
}

export function nobleBenchVerify(b: { publicKey: Uint8Array; msg: Uint8Array; sig: Uint8Array }): boolean {
  return verifyStrictNoble(b.msg, b.sig, b.publicKey);
}

export function naclStrictBenchVerify(b: { publicKey: Uint8Array; msg: Uint8Array; sig: Uint8Array }): boolean {
  return verifyStrictNacl(b.msg, b.sig, b.publicKey);
}

function unhex(s: string): Uint8Array {
  const b = new Uint8Array(s.length / 2);
  for (let i = 0; i < b.length; i++) b[i] = parseInt(s.substr(i * 2, 2), 16);
  return b;
}

/** Verdicts of both implementations on hex vectors [msg, sig, pub]: "nacl/noble" per vector. */
export function verifyVectors(input: { vectors: string[][] }): string[] {
  const out: string[] = [];
  for (let i = 0; i < input.vectors.length; i++) {
    const v = input.vectors[i];
    const m = unhex(v[0]);
    const s = unhex(v[1]);
    const p = unhex(v[2]);
    out.push((verifyStrictNacl(m, s, p) ? '1' : '0') + '/' + (verifyStrictNoble(m, s, p) ? '1' : '0'));
  }
  return out;
}
