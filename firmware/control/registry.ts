// The control unit's provisioning record on its own flash: what a board needs to boot that
// the simulator passes in code. tools/provision.ts keeps the registry as JSON on the PC;
// this record is the part the unit holds (written once by the provisioning step, read at
// every boot by firmware/app/start-control-unit.ts):
//
//   cu.prov  v1 | reader password u32 | node count u8 | per node:
//            id u8 | epoch u32 | up 32 | down 32 | has public key u8 | public key 32
//
// 102 bytes a node: the record's 1024-byte limit (firmware/store/records.ts) holds
// CU_MAX_NODES with room to spare. Little-endian numbers, like every record here.
import type { Store } from '../../hal/io';
import { PersistentRecord, getU32, putU32 } from '../store/records';
import type { ControlNodeConfig } from './node-table';

export const CU_PROV_RECORD = 'cu.prov';
const VERSION = 1;
const NODE_BYTES = 1 + 4 + 32 + 32 + 1 + 32;
const HEAD_BYTES = 1 + 4 + 1;
/** nodes one control unit serves (the record's size bound, and the anomaly table's) */
export const CU_MAX_NODES = 8;

export interface ControlProvisioning {
  /** the R30x module password set at provisioning (VfyPwd, 0..0xFFFFFFFF) */
  readerPassword: number;
  nodes: ControlNodeConfig[];
}

function copy(src: Uint8Array, at: number, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let k = 0; k < n; k++) out[k] = src[at + k];
  return out;
}

/** The record's bytes, or why the provisioning cannot be stored (field and range). */
export function encodeControlProvisioning(p: ControlProvisioning): Uint8Array | string {
  const n = p.nodes.length;
  if (!(n >= 1 && n <= CU_MAX_NODES)) return 'nodes: ' + n + ' out of range 1..' + CU_MAX_NODES;
  const pw = p.readerPassword;
  if (!(pw >= 0 && pw <= 0xffffffff) || Math.floor(pw) !== pw) return 'readerPassword ' + pw + ' out of range 0..4294967295';
  const b = new Uint8Array(HEAD_BYTES + n * NODE_BYTES);
  b[0] = VERSION;
  putU32(b, 1, pw);
  b[5] = n;
  for (let i = 0; i < n; i++) {
    const c = p.nodes[i];
    const at = HEAD_BYTES + i * NODE_BYTES;
    if (!(c.nodeId >= 1 && c.nodeId <= 254) || Math.floor(c.nodeId) !== c.nodeId) return 'nodes[' + i + '].nodeId ' + c.nodeId + ' out of range 1..254';
    if (!(c.epoch >= 0 && c.epoch <= 0xffffffff) || Math.floor(c.epoch) !== c.epoch) return 'nodes[' + i + '].epoch ' + c.epoch + ' out of range 0..4294967295';
    if (c.up.length !== 32 || c.down.length !== 32) return 'nodes[' + i + ']: up and down keys must be 32 bytes';
    if (c.publicKey !== undefined && c.publicKey.length !== 32) return 'nodes[' + i + '].publicKey: 32 bytes';
    b[at] = c.nodeId;
    putU32(b, at + 1, c.epoch);
    b.set(c.up, at + 5);
    b.set(c.down, at + 37);
    b[at + 69] = c.publicKey === undefined ? 0 : 1;
    if (c.publicKey !== undefined) b.set(c.publicKey, at + 70);
  }
  return b;
}

/** Decode the record's bytes; a string says what is wrong (never throws). */
export function decodeControlProvisioning(b: Uint8Array): ControlProvisioning | string {
  if (b.length < HEAD_BYTES) return 'cu.prov: ' + b.length + ' bytes, shorter than its ' + HEAD_BYTES + '-byte head';
  if (b[0] !== VERSION) return 'cu.prov: version ' + b[0] + ', this firmware reads version ' + VERSION;
  const n = b[5];
  if (!(n >= 1 && n <= CU_MAX_NODES)) return 'cu.prov: ' + n + ' nodes, out of range 1..' + CU_MAX_NODES;
  if (b.length !== HEAD_BYTES + n * NODE_BYTES) return 'cu.prov: ' + b.length + ' bytes for ' + n + ' nodes, expected ' + (HEAD_BYTES + n * NODE_BYTES);
  const nodes: ControlNodeConfig[] = [];
  for (let i = 0; i < n; i++) {
    const at = HEAD_BYTES + i * NODE_BYTES;
    const c: ControlNodeConfig = { nodeId: b[at], epoch: getU32(b, at + 1), up: copy(b, at + 5, 32), down: copy(b, at + 37, 32) };
    if (b[at + 69] === 1) c.publicKey = copy(b, at + 70, 32);
    nodes.push(c);
  }
  return { readerPassword: getU32(b, 1), nodes: nodes };
}

/** Write the provisioning to a store ('' or why not). */
export function storeControlProvisioning(store: Store, p: ControlProvisioning): string {
  const b = encodeControlProvisioning(p);
  if (typeof b === 'string') return b;
  return new PersistentRecord(store, CU_PROV_RECORD).write(b);
}

/** Read the provisioning at boot; a string says why the unit cannot serve any node. */
export function loadControlProvisioning(store: Store): ControlProvisioning | string {
  const r = new PersistentRecord(store, CU_PROV_RECORD).read();
  if (!r.ok) return 'not provisioned: no ' + CU_PROV_RECORD + ' record on flash (run the provisioning step for this unit)';
  return decodeControlProvisioning(r.value);
}
