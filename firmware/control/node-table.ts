// The control unit's view of one meter node: its uplink receiver (persisted replay
// window), its downlink sender (never-reused counter), the keys of its epoch, and what
// it last said. Keys and windows live in power-cut-safe records:
//   cu.rx.<id>    the uplink replay window (firmware/link/replay.ts)
//   cu.ctr.<id>   the downlink counter's high-water mark
//   cu.keys.<id>  v1 | epoch u32 | up 32 | down 32 (after a key rotation)
//   cu.kid.<id>   the provisioning key id (8 bytes of SHA-512 of the epoch's up key):
//                 when the registry holds different keys (the node was re-provisioned,
//                 fresh key pair, counter restarted at 0) the replay window is reset
import type { Store } from '../../hal/io';
import { PersistentRecord, getU32, putU32 } from '../store/records';
import { FrameCounter } from '../link/counter';
import { PersistentReplayWindow } from '../link/replay';
import type { RadioProfile } from '../link/frame';
import { DIR_DOWN, DIR_UP, LinkReceiver, LinkSender } from '../link/frame';
import { nacl } from '../link/nacl';
import type { TelemetryReading } from '../link/telemetry';
import type { Ack } from '../link/messages';
import { copyBytes } from '../link/bytes';

export interface ControlNodeConfig {
  nodeId: number;
  epoch: number;
  up: Uint8Array;
  down: Uint8Array;
  /** the node's X25519 public key (needed to derive the keys of a rotation) */
  publicKey?: Uint8Array;
}

export interface TripRecord {
  tUs: number;
  seq: number;
  state: string;
  reason: string;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i] ^ b[i];
  return d === 0;
}

function erase(store: Store, key: string): void {
  store.delete(key + '.a');
  store.delete(key + '.b');
}

export class NodeEntry {
  readonly nodeId: number;
  readonly receiver: LinkReceiver;
  readonly sender: LinkSender;
  readonly publicKey: Uint8Array | undefined;
  epoch: number;
  pendingDown: { epoch: number; key: Uint8Array; up: Uint8Array } | undefined = undefined;
  lastReading: TelemetryReading | undefined = undefined;
  lastCounter = -1;
  lastSeenUs = -1;
  readings = 0;
  readonly trips: TripRecord[] = [];
  readonly acks: Ack[] = [];
  /** refusals the node itself reported, by class (firmware/link/messages.ts) */
  readonly nodeSecurity: Record<string, number> = {};
  private readonly keysRecord: PersistentRecord;
  /** true when boot found a re-provisioned node and reset its window */
  readonly windowReset: boolean;

  constructor(
    readonly profile: RadioProfile,
    store: Store,
    c: ControlNodeConfig,
  ) {
    if (!(c.nodeId >= 1 && c.nodeId <= 254)) throw new RangeError(`node id ${c.nodeId} out of range 1..254`);
    if (c.up.length !== 32 || c.down.length !== 32) throw new RangeError(`node ${c.nodeId}: key length out of range 32..32`);
    this.nodeId = c.nodeId;
    this.publicKey = c.publicKey;
    const id = c.nodeId;
    const kidRec = new PersistentRecord(store, 'cu.kid.' + id);
    const kid = nacl.hash(c.up).subarray(0, 8);
    const had = kidRec.read();
    this.windowReset = !had.ok || !sameBytes(had.value, kid);
    if (this.windowReset) {
      erase(store, 'cu.rx.' + id);
      erase(store, 'cu.keys.' + id);
      kidRec.write(kid);
    }
    this.keysRecord = new PersistentRecord(store, 'cu.keys.' + id);
    let epoch = c.epoch;
    let up = c.up;
    let down = c.down;
    const k = this.keysRecord.read();
    if (k.ok && k.value.length === 69 && k.value[0] === 1 && getU32(k.value, 1) > epoch) {
      epoch = getU32(k.value, 1);
      up = copyBytes(k.value, 5, 37);
      down = copyBytes(k.value, 37, 69);
    }
    this.epoch = epoch;
    this.receiver = new LinkReceiver(profile, id, DIR_UP, up, epoch, new PersistentReplayWindow(store, 'cu.rx.' + id));
    this.sender = new LinkSender(profile, down, epoch, id, DIR_DOWN, new FrameCounter(store, 'cu.ctr.' + id, 100));
  }

  /** Expect the node's uplink under the next keys; switch the downlink once it uses them. */
  armRekey(epoch: number, up: Uint8Array, down: Uint8Array): void {
    this.receiver.expectKey(up, epoch);
    this.pendingDown = { epoch: epoch, key: down, up: up };
  }

  /** After an accepted frame: was it the first under the pending keys? Then switch. */
  promoted(epoch: number): boolean {
    const p = this.pendingDown;
    if (p === undefined || epoch !== p.epoch) return false;
    const b = new Uint8Array(69);
    b[0] = 1;
    putU32(b, 1, epoch);
    b.set(p.up, 5);
    b.set(p.key, 37);
    this.keysRecord.write(b);
    this.sender.rekey(p.key, epoch);
    this.epoch = epoch;
    this.pendingDown = undefined;
    return true;
  }
}
