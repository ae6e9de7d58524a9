// Pairing and link-key derivation.
//
// Each node and the control unit hold an X25519 key pair (nacl.box). Pairing computes
// nacl.box.before(peer public, own secret) = HSalsa20(X25519(own, peer)), a 32-byte
// shared key that both sides derive alone. The per-direction link keys for an epoch are
//   SHA-512("SML1 link keys" | shared | node id | epoch u32 LE)
//   uplink key = bytes 0..31, downlink key = bytes 32..63
// so the two directions never share a key (nor a keystream), and a new epoch gives fresh,
// unrelated keys. The authority key (Ed25519) that signs dangerous commands is separate
// and never derived from the link keys.
//
// Stored on the node (power-cut-safe records, firmware/store/records.ts):
//   'link.keys'  v1 | node id | epoch u32 LE | uplink key 32 | downlink key 32 | authority public key 32
//   'link.id'    v1 | node X25519 secret 32 | control-unit X25519 public 32
//   'link.prov'  v1 | provisioning epoch u32 LE (unix s of the provisioning, strictly
//                increasing per node): signed commands must carry it (command.ts), and the
//                node's clock never runs before it (app/node-clock.ts)
import type { Store } from '../../hal/io';
import { PersistentRecord, getU32, putU32 } from '../store/records';
import { RECORD } from '../store/keys';
import { nacl } from './nacl';

const LABEL = 'SML1 link keys';
export const LINK_KEYS_RECORD = RECORD.linkKeys;
export const LINK_ID_RECORD = RECORD.linkId;
export const LINK_PROV_RECORD = RECORD.linkProvisioned;
const KEYS_LEN = 1 + 1 + 4 + 32 + 32 + 32;
const ID_LEN = 1 + 32 + 32;

export interface LinkKeys {
  nodeId: number;
  epoch: number;
  up: Uint8Array;
  down: Uint8Array;
  authorityPublic: Uint8Array;
}

export function pairingSecret(ownSecret: Uint8Array, peerPublic: Uint8Array): Uint8Array {
  return nacl.box.before(peerPublic, ownSecret);
}

/** src[start..end) as a new Uint8Array (not slice(): Espruino 2v29's typed-array slice returns a plain Array) */
function bytesOf(src: Uint8Array, start: number, end: number): Uint8Array {
  const c = new Uint8Array(end - start);
  for (let i = 0; i < c.length; i++) c[i] = src[start + i];
  return c;
}

export function deriveLinkKeys(shared: Uint8Array, nodeId: number, epoch: number): { up: Uint8Array; down: Uint8Array } {
  const m = new Uint8Array(LABEL.length + 32 + 1 + 4);
  for (let i = 0; i < LABEL.length; i++) m[i] = LABEL.charCodeAt(i);
  m.set(shared, LABEL.length);
  m[LABEL.length + 32] = nodeId & 0xff;
  putU32(m, LABEL.length + 33, epoch);
  const h = nacl.hash(m);
  return { up: bytesOf(h, 0, 32), down: bytesOf(h, 32, 64) };
}

export function encodeLinkKeys(k: LinkKeys): Uint8Array {
  const b = new Uint8Array(KEYS_LEN);
  b[0] = 1;
  b[1] = k.nodeId & 0xff;
  putU32(b, 2, k.epoch);
  b.set(k.up, 6);
  b.set(k.down, 38);
  b.set(k.authorityPublic, 70);
  return b;
}

export type LinkKeysRead = { ok: true; keys: LinkKeys } | { ok: false; reason: string };

export function decodeLinkKeys(b: Uint8Array): LinkKeysRead {
  if (b.length !== KEYS_LEN) return { ok: false, reason: `link.keys length ${b.length}, expected ${KEYS_LEN}` };
  if (b[0] !== 1) return { ok: false, reason: `link.keys version ${b[0]}, expected 1` };
  if (b[1] < 1 || b[1] > 254) return { ok: false, reason: `link.keys node id ${b[1]} out of range 1..254` };
  return { ok: true, keys: { nodeId: b[1], epoch: getU32(b, 2), up: bytesOf(b, 6, 38), down: bytesOf(b, 38, 70), authorityPublic: bytesOf(b, 70, 102) } };
}

export function encodeLinkId(nodeSecret: Uint8Array, controlPublic: Uint8Array): Uint8Array {
  const b = new Uint8Array(ID_LEN);
  b[0] = 1;
  b.set(nodeSecret, 1);
  b.set(controlPublic, 33);
  return b;
}

export function encodeLinkProv(provisionedAtS: number): Uint8Array {
  const b = new Uint8Array(5);
  b[0] = 1;
  putU32(b, 1, provisionedAtS);
  return b;
}

/** The node's provisioning epoch (unix s), or -1 when the record is missing or malformed. */
export function loadLinkProv(store: Store): number {
  const r = new PersistentRecord(store, LINK_PROV_RECORD).read();
  if (!r.ok || r.value.length !== 5 || r.value[0] !== 1) return -1;
  return getU32(r.value, 1);
}

/** Read the node's link keys from its store ('missing' until provisioned). */
export function loadLinkKeys(store: Store): LinkKeysRead {
  const r = new PersistentRecord(store, LINK_KEYS_RECORD).read();
  if (!r.ok) return { ok: false, reason: 'missing: run tools/provision.ts' };
  return decodeLinkKeys(r.value);
}

const HEX = '0123456789abcdef';

/** A key's fingerprint for people: the first 4 bytes of its SHA-512, in hex. Never the key. */
export function keyFingerprint(key: Uint8Array): string {
  const h = nacl.hash(key);
  let s = '';
  for (let k = 0; k < 4; k++) s += HEX.charAt(h[k] >> 4) + HEX.charAt(h[k] & 15);
  return s;
}
