// The control unit's demand-response identity on its own flash: the utility authority's
// PUBLIC key (Ed25519, the same key the nodes hold in link.keys), the home's billing
// pseudonym and the DR provisioning epoch. Written once by provisioning (tools/dr.ts
// `unit-record`), read at every boot by the ControlUnit:
//
//   cu.dr  v1 | authority public key 32 | home pseudonym 8 | provisioned at u32 (unix s)
//
// A public key is no secret, but a swapped one would let whoever holds its secret order the
// home about, so it is integrity-checked: the power-cut-safe record (two slots, CRC-32:
// firmware/store/records.ts) catches torn writes and flash corruption, and the key must pass
// the strict encoding rules (firmware/link/ed25519-strict.ts: canonical, not of small order)
// before the unit accepts a single order, so a damaged key cannot become one that verifies
// forgeries. Its fingerprint (first 8 bytes, hex: DemandResponse.fingerprint()) is what the
// household compares with the utility's published key (the board's `status` does not carry
// it yet). Deliberate rewriting of the flash is the board's flash encryption and secure
// boot's to stop (docs/POLICY.md, "Not done here").
import type { Store } from '../../hal/io';
import { PersistentRecord, getU32, putU32 } from '../store/records';
import { canonicalPoint, smallOrder } from '../link/ed25519-strict';
import { pseudonymBytes } from './dr-order';
import type { DrIdentity } from './dr-order';

export const CU_DR_RECORD = 'cu.dr';
const VERSION = 1;
const BYTES = 1 + 32 + 8 + 4;

export function encodeDrIdentity(d: DrIdentity): Uint8Array | string {
  if (d.authorityPublic.length !== 32) return 'authorityPublic: 32 bytes';
  if (!canonicalPoint(d.authorityPublic) || smallOrder(d.authorityPublic))
    return 'authorityPublic: not a strict Ed25519 public key (non-canonical or of small order)';
  const h = pseudonymBytes(d.home);
  if (h === undefined) return 'home: "' + String(d.home) + '" is out of range (16 lower-case hex digits)';
  if (!(d.provisionedAt >= 1 && d.provisionedAt <= 0xffffffff) || Math.floor(d.provisionedAt) !== d.provisionedAt)
    return 'provisionedAt ' + String(d.provisionedAt) + ' out of range 1..4294967295';
  const b = new Uint8Array(BYTES);
  b[0] = VERSION;
  b.set(d.authorityPublic, 1);
  b.set(h, 33);
  putU32(b, 41, d.provisionedAt);
  return b;
}

const HEX = '0123456789abcdef';
function hex(b: Uint8Array, at: number, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += HEX.charAt(b[at + i] >> 4) + HEX.charAt(b[at + i] & 15);
  return s;
}

/** Decode the record; a string says what is wrong (never throws). */
export function decodeDrIdentity(b: Uint8Array): DrIdentity | string {
  if (b.length !== BYTES) return CU_DR_RECORD + ': ' + String(b.length) + ' bytes, expected ' + String(BYTES);
  if (b[0] !== VERSION) return CU_DR_RECORD + ': version ' + String(b[0]) + ', this firmware reads version ' + String(VERSION);
  const pub = new Uint8Array(32);
  for (let i = 0; i < 32; i++) pub[i] = b[1 + i];
  if (!canonicalPoint(pub) || smallOrder(pub)) return CU_DR_RECORD + ': the authority key is not a strict Ed25519 public key; demand response is off';
  return { authorityPublic: pub, home: hex(b, 33, 8), provisionedAt: getU32(b, 41) };
}

export function storeDrIdentity(store: Store, d: DrIdentity): string {
  const b = encodeDrIdentity(d);
  if (typeof b === 'string') return b;
  return new PersistentRecord(store, CU_DR_RECORD).write(b);
}

export function loadDrIdentity(store: Store): DrIdentity | string {
  const r = new PersistentRecord(store, CU_DR_RECORD).read();
  if (!r.ok) return 'not provisioned for demand response: no ' + CU_DR_RECORD + ' record on flash (tools/dr.ts unit-record)';
  return decodeDrIdentity(r.value);
}

/** The key's fingerprint: its first 8 bytes, hex. */
export function keyFingerprint(pub: Uint8Array): string {
  return hex(pub, 0, 8);
}
