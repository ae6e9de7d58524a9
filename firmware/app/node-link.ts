// The radio link inside a meter node, attached from outside to a running MeterNode:
//
//   uplink    one telemetry frame per reporting interval (from the averager's windows),
//             a trip event at once on every trip, a security report (rate-limited) when
//             frames or commands were refused, an ack per command
//   downlink  Radio -> address filter -> LinkReceiver (persisted replay window)
//             -> Reassembler (fragments) -> CommandGuard (authority signature, sequence,
//             budgets, safety) -> node actions (relay, limits, time, key change)
//             -> household relay requests (MSG_HOUSEHOLD, link keys only): the policy
//             (firmware/access/policy.ts) as role household, remote -> relay on/off
//
// Safety first: a remote reconnect is refused while protection holds the relay open
// (tripped, lockout, fail-safe) and while it waits to reclose; the breaker itself refuses
// too. A key change waits for a local confirmation (console `Keys CONFIRM` or the board
// button) within a window: a head-end holding only link keys cannot take a meter over.
// Every refusal is counted by reason, shown by the console's `Link` command and reported
// uplink in a security event (at most one per `securityReportS`).
import type { Radio } from '../../hal/radio';
import type { JsonObject } from '../console/json';
import type { Outcome } from '../console/target';
import type { TripEvent } from '../protection/trip-log';
import { PersistentRecord, getU32 } from '../store/records';
import { RECORD } from '../store/keys';
import { FrameCounter } from '../link/counter';
import { PersistentReplayWindow } from '../link/replay';
import type { ParsedHeader, RadioProfile, RejectReason } from '../link/frame';
import {
  DIR_DOWN,
  DIR_UP,
  HEADER_BYTES,
  REJECT_REASONS,
  LinkReceiver,
  LinkSender,
  MSG_ACK,
  MSG_COMMAND,
  MSG_EVENT,
  MSG_FRAGMENT,
  MSG_HOUSEHOLD,
  MSG_TELEMETRY,
  maxBody,
  profileOf,
  readHeader,
} from '../link/frame';
import { Reassembler } from '../link/fragment';
import type { FragmentReject } from '../link/fragment';
import { CMD_DISCONNECT, CMD_KEY_CHANGE, CMD_RECONNECT, CMD_SET_LIMIT, CMD_TIME_SYNC, COMMAND_REJECTS, CommandGuard } from '../link/command';
import type { Command, CommandOutcome, CommandReject, SignatureCheck } from '../link/command';
import { SlicedVerify } from '../link/ed25519-sliced';
import type { SignatureVerifier } from '../link/ed25519-strict';
import { strictEncoding } from '../link/ed25519-strict';
import { DISCONNECT_REASONS } from './meter-node';
import { LINK_ID_RECORD, LINK_KEYS_RECORD, deriveLinkKeys, encodeLinkKeys, keyFingerprint, loadLinkKeys, loadLinkProv, pairingSecret } from '../link/keys';
import type { LinkKeys } from '../link/keys';
import { TELEMETRY_BYTES, encodeTelemetry, newTelemetryReading } from '../link/telemetry';
import {
  ACK_CODE_HOUSEHOLD,
  ACK_DONE,
  ACK_FAIL,
  ACK_FAILED,
  ACK_PENDING,
  ACK_REFUSED,
  HOUSEHOLD_REJECTS,
  LIMIT_FIELDS,
  SECURITY_CLASSES,
  decodeHouseholdRelay,
  encodeAck,
  encodeRekeyEvent,
  encodeSecurityEvent,
  encodeTripEvent,
} from '../link/messages';
import { decide } from '../access/policy';
import type { MeterNode } from './meter-node';
import type { LinkConsole } from './console-target';
import { copyBytes } from '../link/bytes';

export interface NodeLinkOptions {
  /** seconds between telemetry frames, 1..3600 (default 10) */
  reportEveryS?: number;
  /** least time between security-event uplinks, s, 1..3600 (default 10) */
  securityReportS?: number;
  /** how long a key change waits for the local confirmation, s, 10..3600 (default 300) */
  confirmWindowS?: number;
  /** dangerous commands accepted per hour, 1..100 (default 20) */
  maxCommandsPerHour?: number;
  /**
   * the verify budget: signature verifies at once (1..10, default 2), then one per
   * `verifyEveryS` (0..3600, default 30); signed commands beyond it wait (4 deep) for a
   * slot. With noble-curves on XS a verify is ~1 s of an ESP32, with tweetnacl ~20 s.
   */
  verifyBurst?: number;
  verifyEveryS?: number;
  /** watch the board's button for the key-change confirmation (default true when the board has one) */
  useButton?: boolean;
  /**
   * Verify authority signatures in slices of this many units (firmware/link/ed25519-sliced.ts,
   * ~78k XS computrons each, the largest ~244k), one slice per timer tick, so protection
   * callbacks run in between: for boards whose trip path is a JS callback. 0 (default)
   * verifies in one piece, for boards with the hardware latch or a native ISR. 0..1000.
   */
  verifyUnitsPerSlice?: number;
  /**
   * the one-piece verify: tweetnacl (default, every engine) or, on XS, verifyStrictNoble
   * from firmware/link/ed25519-noble.ts (~2 M computrons instead of 43.5 M)
   */
  verify?: SignatureVerifier;
}

// telemetry status flags (u16, docs/LINK.md)
export const FLAG_CLOSED = 1;
export const FLAG_SAFETY_OPEN = 2;
export const FLAG_RECLOSING = 4;
export const FLAG_REKEY_PENDING = 8;
export const FLAG_SECURITY = 16;
export const FLAG_TEMP_FAULT = 32;
export const FLAG_GAS_FAULT = 64;
export const FLAG_MANUAL_OPEN = 128;

const QUEUE_MAX = 8;

function option(name: string, v: number | undefined, def: number, lo: number, hi: number): number {
  const x = v === undefined ? def : v;
  if (!(x >= lo && x <= hi)) throw new RangeError(`NodeLink.${name} ${x} out of range ${lo}..${hi}`);
  return x;
}

function linkClass(reason: string): number {
  if (reason === 'tag') return 0;
  if (reason === 'replay' || reason === 'old') return 1;
  return 2;
}

function commandClass(reason: string): number {
  if (reason === 'signature' || reason === 'verify-budget') return 3;
  // captures: replayed, from another provisioning, outside their validity window
  if (reason === 'replay' || reason === 'provisioning' || reason === 'expired' || reason === 'not-yet-valid') return 4;
  if (reason === 'safety') return 5;
  return 6;
}

export class NodeLink implements LinkConsole {
  readonly profile: RadioProfile;
  readonly nodeId: number;
  private keysNow: LinkKeys;
  private readonly counter: FrameCounter;
  private readonly sender: LinkSender;
  private readonly receiver: LinkReceiver;
  private readonly guard: CommandGuard;
  private readonly reassembler: Reassembler;
  private readonly queue: Uint8Array[] = [];
  private readonly buf: Uint8Array;
  private readonly reading = newTelemetryReading();
  private readonly reportEvery: number;
  private readonly securityReportUs: number;
  private ticks = 0;
  private lastSecurityUs = -1e18;
  /** counts per SECURITY_CLASSES since the last security report */
  private readonly pendingSecurity: number[] = [0, 0, 0, 0, 0, 0, 0, 0];
  private securityDirty = false;
  private securityTotal = 0;
  /** every refusal since boot, by 'link.<reason>' / 'cmd.<reason>' / 'frag.<reason>' */
  readonly rejects: Record<string, number> = {};
  readonly stats = {
    telemetry: 0,
    events: 0,
    acks: 0,
    radioRefused: 0,
    queueDropped: 0,
    received: 0,
    ignored: 0,
    accepted: 0,
    commandsDone: 0,
    commandsRefused: 0,
    commandsFailed: 0,
    householdDone: 0,
    householdRefused: 0,
  };
  lastSecurity = '';
  lastError = '';
  private readonly sliceUnits: number;
  private verifying: { check: SignatureCheck; v: SlicedVerify; code: number; seq: number } | undefined = undefined;
  /** timer slices spent on signature checks (sliced mode) */
  verifySlices = 0;

  constructor(
    readonly node: MeterNode,
    readonly radio: Radio,
    o: NodeLinkOptions,
  ) {
    const store = node.device.store;
    const k = loadLinkKeys(store);
    if (!k.ok) throw new Error(`NodeLink: link keys ${k.reason}`);
    const prov = loadLinkProv(store);
    if (prov < 0) throw new Error('NodeLink: link.prov (the provisioning epoch) missing: re-provision with tools/provision.ts');
    this.keysNow = k.keys;
    this.nodeId = k.keys.nodeId;
    this.profile = profileOf(radio.profile);
    const reportS = option('reportEveryS', o.reportEveryS, 10, 1, 3600);
    const avgS = node.averager.windowS;
    this.reportEvery = Math.max(1, Math.round(reportS / avgS));
    this.securityReportUs = option('securityReportS', o.securityReportS, 10, 1, 3600) * 1e6;
    const confirmS = option('confirmWindowS', o.confirmWindowS, 300, 10, 3600);
    this.sliceUnits = option('verifyUnitsPerSlice', o.verifyUnitsPerSlice, 0, 0, 1000);
    const clock = node.device.clock;
    this.buf = new Uint8Array(maxBody(this.profile));
    // counters run across epochs and reboots: never a reused nonce (firmware/link/counter.ts)
    this.counter = new FrameCounter(store, RECORD.linkCounterUp, 1000);
    this.sender = new LinkSender(this.profile, k.keys.up, k.keys.epoch, this.nodeId, DIR_UP, this.counter);
    // downlinks are rare; persisting the window keeps an unsigned time sync from being
    // replayed after a node reboot
    this.receiver = new LinkReceiver(this.profile, this.nodeId, DIR_DOWN, k.keys.down, k.keys.epoch, new PersistentReplayWindow(store, RECORD.linkReplayDown));
    // names made once: a refused frame under a flood builds no string
    const linkNames: Record<string, string> = {};
    const linkClasses: Record<string, number> = {};
    for (let i = 0; i < REJECT_REASONS.length; i++) {
      linkNames[REJECT_REASONS[i]] = 'link.' + REJECT_REASONS[i];
      linkClasses[REJECT_REASONS[i]] = linkClass(REJECT_REASONS[i]);
    }
    this.receiver.onReject = (reason: RejectReason, h: ParsedHeader | undefined) => this.security(linkNames[reason], linkClasses[reason]);
    this.guard = new CommandGuard({
      nodeId: this.nodeId,
      authorityPublic: k.keys.authorityPublic,
      store: store,
      clock: clock,
      target: { openBySafety: () => this.openBySafety(), wallS: () => Math.floor(node.clock.wallUs() / 1e6) },
      maxDangerous: option('maxCommandsPerHour', o.maxCommandsPerHour, 20, 1, 100),
      windowUs: 3600e6,
      provisionedAt: prov,
      verifyBurst: option('verifyBurst', o.verifyBurst, 2, 1, 10),
      verifyEveryUs: option('verifyEveryS', o.verifyEveryS, 30, 0, 3600) * 1e6,
      confirmWindowUs: confirmS * 1e6,
      verify: o.verify,
    });
    this.guard.onReject = (reason: CommandReject, code: number) => {
      if (reason !== 'no-pending' && reason !== 'queued') this.security('cmd.' + reason, commandClass(reason));
    };
    // 4 assemblies at a time, 5 s to complete one (a 5-fragment command takes ~2 ms on air)
    this.reassembler = new Reassembler(maxBody(this.profile), 4, 5e6);
    radio.onReceive = (f: Uint8Array) => this.onFrame(f);
    radio.onSent = () => this.flush();
    node.addListener({
      onAverages: () => this.onAverages(),
      onTrip: (e: TripEvent) => this.onTrip(e),
    });
    node.consoleTarget.attachLink(this);
    // the node owns the button pin (a GPIO can be opened once); it tells every listener
    if (o.useButton !== false) node.onButton(() => this.buttonPressed());
  }

  get epoch(): number {
    return this.sender.epoch;
  }

  openBySafety(): boolean {
    const b = this.node.protection.breaker;
    return b.isLatched() || b.state === 'reclosing';
  }

  private security(reason: string, cls: number): void {
    this.rejects[reason] = (this.rejects[reason] === undefined ? 0 : this.rejects[reason]) + 1;
    this.pendingSecurity[cls]++;
    this.securityTotal++;
    this.securityDirty = true;
    this.lastSecurity = reason;
  }

  // ---- uplink ----

  private enqueue(type: number, len: number): boolean {
    const s = this.sender.seal(type, this.buf, len);
    if (!s.ok) {
      this.lastError = s.error;
      return false;
    }
    if (this.queue.length >= QUEUE_MAX) {
      this.queue.shift(); // the oldest goes: fresh readings and events matter more
      this.stats.queueDropped++;
    }
    this.queue.push(copyBytes(s.frame));
    this.flush();
    return true;
  }

  private flush(): void {
    while (this.queue.length > 0) {
      if (!this.radio.send(this.queue[0])) {
        this.stats.radioRefused++;
        return; // busy: onSent calls again
      }
      this.queue.shift();
    }
  }

  private flags(): number {
    const n = this.node;
    const s = n.protection.breaker.state;
    let f = 0;
    if (s === 'closed') f |= FLAG_CLOSED;
    if (n.protection.breaker.isLatched()) f |= FLAG_SAFETY_OPEN;
    if (s === 'reclosing') f |= FLAG_RECLOSING;
    if (s === 'open') f |= FLAG_MANUAL_OPEN;
    if (this.guard.pendingCommand() !== undefined) f |= FLAG_REKEY_PENDING;
    if (this.securityDirty) f |= FLAG_SECURITY;
    if (n.ntc.status !== 'ok') f |= FLAG_TEMP_FAULT;
    if (n.gas.status !== 'ok') f |= FLAG_GAS_FAULT;
    return f;
  }

  /** Seal and queue one telemetry frame from the latest averages. */
  sendTelemetry(): boolean {
    const n = this.node;
    const a = n.averager.out;
    const r = this.reading;
    r.vrms = a.vrms;
    r.irms = a.irms;
    r.p = a.p;
    r.energyWh = n.meter.energy.importWh;
    r.tempC = n.ntc.status === 'ok' ? n.ntc.celsius : NaN;
    r.lpgPpm = n.gas.status === 'ok' ? n.gas.ppm : NaN;
    r.flags = this.flags();
    encodeTelemetry(r, this.buf, 0);
    if (!this.enqueue(MSG_TELEMETRY, TELEMETRY_BYTES)) return false;
    this.stats.telemetry++;
    return true;
  }

  private onAverages(): void {
    this.ticks++;
    if (this.ticks >= this.reportEvery) {
      this.ticks = 0;
      this.sendTelemetry();
    }
    this.reportSecurity();
  }

  /** Send the pending security counts, at most once per securityReportS. */
  reportSecurity(): void {
    if (!this.securityDirty) return;
    const now = this.node.device.clock.now();
    if (now - this.lastSecurityUs < this.securityReportUs) return;
    this.pendingSecurity[SECURITY_CLASSES.length - 1] = this.securityTotal;
    const len = encodeSecurityEvent(this.pendingSecurity, this.buf);
    if (!this.enqueue(MSG_EVENT, len)) return;
    for (let i = 0; i < this.pendingSecurity.length; i++) this.pendingSecurity[i] = 0;
    this.securityDirty = false;
    this.lastSecurityUs = now;
    this.stats.events++;
  }

  private onTrip(e: TripEvent): void {
    const len = encodeTripEvent(e.seq, e.state, e.reason, this.buf);
    if (this.enqueue(MSG_EVENT, len)) this.stats.events++;
  }

  private ack(code: number, result: number, reason: number, seq: number): void {
    const len = encodeAck(code, result, reason, seq, this.buf);
    if (this.enqueue(MSG_ACK, len)) this.stats.acks++;
  }

  // ---- downlink ----

  private onFrame(f: Uint8Array): void {
    this.stats.received++;
    // the radio's address filter: frames for other nodes, and uplinks, are not ours
    if (f.length < HEADER_BYTES) {
      this.stats.ignored++; // no address: a real radio would not deliver it (the control unit counts it)
      return;
    }
    const h = readHeader(f);
    if (h.direction !== DIR_DOWN || h.nodeId !== this.nodeId) {
      this.stats.ignored++;
      return;
    }
    const o = this.receiver.open(f, f.length);
    if (!o.ok) return; // counted through onReject
    this.stats.accepted++;
    const now = this.node.device.clock.now();
    if (o.type === MSG_COMMAND) {
      this.onCommand(o.body, o.body.length);
    } else if (o.type === MSG_FRAGMENT) {
      const r = this.reassembler.add(0, o.body, o.body.length, now);
      if (r.status === 'rejected') this.fragmentReject(r.reason);
      else if (r.status === 'complete') {
        const m = r.message;
        if (m.length < 1 || m[0] !== MSG_COMMAND) this.security('frag.inner-type', 2);
        else this.onCommand(m.subarray(1), m.length - 1);
      }
    } else if (o.type === MSG_HOUSEHOLD) {
      this.onHousehold(o.body, o.body.length);
    } else {
      this.security('link.unexpected-type', 2);
    }
  }

  /**
   * The household's relay switch. The frame passed the link's tag and replay checks (a
   * forged or replayed one never gets here: counted as link.tag / link.replay). The link
   * keys give household rank and no more, so the node asks the policy as role household,
   * from a distance: opening always; closing never while protection holds the relay open
   * (tripped, lockout, fail-safe, waiting to reclose), nor over a utility disconnect.
   */
  private onHousehold(b: Uint8Array, len: number): void {
    const m = decodeHouseholdRelay(b, len);
    if (typeof m === 'string') {
      this.security('household.format', 2);
      this.lastError = m;
      return this.householdRefused('format', 0, '');
    }
    if (m.relay !== 1) return this.householdRefused('relay-id', m.requestId, `relay ${m.relay} out of range 1..1`);
    const d = decide('household', m.on ? 'relay-on' : 'relay-off', { tripped: this.openBySafety(), remote: true });
    if (!d.allowed) return this.householdRefused(d.reason.indexOf('safety') === 0 ? 'safety' : 'policy', m.requestId, d.reason);
    if (m.on && this.node.utilityHoldReason() !== '') {
      const h = decide('household', 'relay-on-utility-hold', { remote: true });
      if (!h.allowed) return this.householdRefused('utility-hold', m.requestId, h.reason);
    }
    // 'serial' is the node's actor without a credential: it never lifts a utility hold
    const r = this.node.relay(m.on, 'serial');
    if (r !== 'ok') {
      this.lastError = r;
      this.stats.householdRefused++;
      return this.ack(ACK_CODE_HOUSEHOLD, ACK_FAILED, ACK_FAIL.indexOf('relay'), m.requestId);
    }
    this.stats.householdDone++;
    this.ack(ACK_CODE_HOUSEHOLD, ACK_DONE, 0, m.requestId);
  }

  private householdRefused(reason: string, requestId: number, detail: string): void {
    // a policy refusal is no attack: counted and shown (`Link`), not reported as security
    const k = 'household.' + reason;
    if (reason !== 'format') this.rejects[k] = (this.rejects[k] === undefined ? 0 : this.rejects[k]) + 1;
    if (detail !== '') this.lastError = detail;
    this.stats.householdRefused++;
    this.ack(ACK_CODE_HOUSEHOLD, ACK_REFUSED, HOUSEHOLD_REJECTS.indexOf(reason), requestId);
  }

  private fragmentReject(reason: FragmentReject): void {
    this.security('frag.' + reason, 2);
  }

  private onCommand(b: Uint8Array, len: number): void {
    const code = len >= 2 ? b[1] : 0;
    const seq = len >= 7 ? getU32(b, 3) : 0;
    const s = this.guard.begin(b, len);
    if (s.check === undefined) {
      const out = s.outcome as CommandOutcome;
      if (CommandGuard.isQueued(out)) {
        this.ack(code, ACK_PENDING, COMMAND_REJECTS.indexOf('queued'), seq);
        this.schedulePump();
        return;
      }
      return this.outcome(out, code, seq);
    }
    this.verify(s.check, code, seq);
  }

  /** Verify a signature that has its slot: in one piece, or in slices between timer ticks. */
  private verify(check: SignatureCheck, code: number, seq: number): void {
    if (this.sliceUnits === 0) {
      this.outcome(this.guard.finish(check, this.guard.verifySignature(check)), code, seq);
      return;
    }
    // the strict encodings (ed25519-strict.ts) first: the sliced verify is tweetnacl's arithmetic
    if (!strictEncoding(check.signature, this.keysNow.authorityPublic)) return this.outcome(this.guard.finish(check, false), code, seq);
    if (this.verifying !== undefined) return this.outcome(this.guard.refuse('busy', code), code, seq);
    this.verifying = {
      check: check,
      v: new SlicedVerify(check.message, check.message.length, check.signature, this.keysNow.authorityPublic),
      code: code,
      seq: seq,
    };
    this.node.device.timer.set(() => this.verifySlice(), 0);
  }

  private pumpSet = false;

  /** Wake up when the next verify slot comes, if commands wait for one. */
  private schedulePump(): void {
    if (this.pumpSet || this.verifying !== undefined) return;
    const inUs = this.guard.nextSlotInUs();
    if (inUs < 0) return;
    this.pumpSet = true;
    this.node.device.timer.set(() => {
      this.pumpSet = false;
      this.pump();
    }, inUs);
  }

  /** Verify waiting commands whose slot has come. */
  private pump(): void {
    if (this.verifying !== undefined) return;
    const c = this.guard.nextQueued();
    if (c !== undefined) this.verify(c, c.command.code, c.command.seq);
    this.schedulePump();
  }

  /** One slice of a signature check; the next one is queued behind whatever else waits. */
  private verifySlice(): void {
    const w = this.verifying;
    if (w === undefined) return;
    this.verifySlices++;
    const st = w.v.run(this.sliceUnits);
    if (st === 'running') {
      this.node.device.timer.set(() => this.verifySlice(), 0);
      return;
    }
    this.verifying = undefined;
    this.outcome(this.guard.finish(w.check, st === 'valid'), w.code, w.seq);
    this.schedulePump();
  }

  private outcome(out: CommandOutcome, code: number, seq: number): void {
    // the utility's signed reconnect lifts its own disconnect even when a protection trip
    // keeps the relay open (then the reset on the spot closes it)
    if (!out.ok && out.reason === 'safety' && code === CMD_RECONNECT) this.node.releaseUtilityHold();
    if (!out.ok) {
      this.stats.commandsRefused++;
      this.ack(code, ACK_REFUSED, COMMAND_REJECTS.indexOf(out.reason), seq);
      return;
    }
    if (out.pending) {
      this.ack(code, ACK_PENDING, 0, seq);
      return;
    }
    this.apply(out.command);
  }

  private fail(c: Command, why: string, error: string): void {
    this.stats.commandsFailed++;
    this.lastError = error;
    this.ack(c.code, ACK_FAILED, ACK_FAIL.indexOf(why), c.seq);
  }

  private apply(c: Command): void {
    const n = this.node;
    if (c.code === CMD_DISCONNECT) {
      // held open across power cuts, and not undone by an unauthenticated console (roles.ts)
      const why = c.reason < DISCONNECT_REASONS.length ? DISCONNECT_REASONS[c.reason] : 'unspecified';
      const r = n.utilityDisconnect(why);
      if (r !== 'ok') return this.fail(c, 'relay', r);
    } else if (c.code === CMD_RECONNECT) {
      // the breaker refuses to close over a trip on its own as well
      const r = n.relay(true, 'utility');
      if (r !== 'ok') return this.fail(c, 'relay', r);
    } else if (c.code === CMD_SET_LIMIT) {
      const field = c.limitId >= 1 && c.limitId < LIMIT_FIELDS.length ? LIMIT_FIELDS[c.limitId] : '';
      if (field === '') return this.fail(c, 'limit-id', `limit id ${c.limitId} out of range 1..${LIMIT_FIELDS.length - 1}`);
      const change: Record<string, number> = {};
      change[field] = c.limitValue / 1000;
      const r = n.configure(change, 'utility');
      if (!r.ok) return this.fail(c, 'limit-range', r.error);
    } else if (c.code === CMD_TIME_SYNC) {
      // bounded by the node's clock rules (app/node-clock.ts); a clamp is noted, not failed
      const r = n.setLocalTime(c.unixS * 1e6 + c.ms * 1000);
      if (r.indexOf('refused') === 0) return this.fail(c, 'time', r);
      if (r !== '') this.lastError = r;
    } else if (c.code === CMD_KEY_CHANGE) {
      const err = this.rekey(c);
      if (err !== '') return this.fail(c, err === 'epoch' ? 'epoch' : 'keys', err);
    }
    this.stats.commandsDone++;
    this.ack(c.code, ACK_DONE, 0, c.seq);
  }

  /** Derive and store the next epoch's keys, switch the uplink, arm the downlink. */
  private rekey(c: Command): string {
    const k = this.keysNow;
    if (c.epoch !== k.epoch + 1) return 'epoch';
    const idRec = new PersistentRecord(this.node.device.store, LINK_ID_RECORD);
    const id = idRec.read();
    if (!id.ok || id.value.length !== 65 || c.peerPublic === undefined) return 'link.id record missing: re-provision';
    const shared = pairingSecret(id.value.subarray(1, 33), c.peerPublic);
    const d = deriveLinkKeys(shared, this.nodeId, c.epoch);
    const next: LinkKeys = { nodeId: this.nodeId, epoch: c.epoch, up: d.up, down: d.down, authorityPublic: k.authorityPublic };
    // flash first: after a power cut the node comes back on the new keys
    const idNew = copyBytes(id.value);
    idNew.set(c.peerPublic, 33);
    idRec.write(idNew);
    new PersistentRecord(this.node.device.store, LINK_KEYS_RECORD).write(encodeLinkKeys(next));
    this.keysNow = next;
    this.sender.rekey(d.up, c.epoch);
    this.receiver.expectKey(d.down, c.epoch);
    // the first frame under the new key tells the control unit to switch its downlink
    const len = encodeRekeyEvent(c.epoch, this.buf);
    if (this.enqueue(MSG_EVENT, len)) this.stats.events++;
    return '';
  }

  /** The board button: confirms a pending key change (a physical presence check). */
  buttonPressed(): void {
    if (this.guard.pendingCommand() !== undefined) this.confirmRekey();
  }

  // ---- LinkConsole ----

  keys(): JsonObject {
    const k = this.keysNow;
    const p = this.guard.pendingCommand();
    return {
      Provisioned: true,
      NodeId: k.nodeId,
      Epoch: k.epoch,
      Up: keyFingerprint(k.up),
      Down: keyFingerprint(k.down),
      Authority: keyFingerprint(k.authorityPublic),
      PendingRekey: p !== undefined,
      PendingEpoch: p === undefined ? 0 : p.epoch,
    };
  }

  confirmRekey(): Outcome {
    const r = this.guard.confirmLocal();
    if (!r.ok) return { ok: false, error: r.reason === 'no-pending' ? 'no rekey is pending' : 'the rekey confirmation window has expired' };
    const before = this.stats.commandsFailed;
    this.apply(r.command);
    if (this.stats.commandsFailed !== before) return { ok: false, error: `rekey failed: ${this.lastError}` };
    return { ok: true };
  }

  status(): JsonObject {
    const rej: JsonObject = {};
    for (const k in this.rejects) rej[k] = this.rejects[k];
    const s = this.stats;
    return {
      Profile: this.profile.name,
      NodeId: this.nodeId,
      Epoch: this.sender.epoch,
      NextCounter: this.counter.peek(),
      TelemetrySent: s.telemetry,
      EventsSent: s.events,
      AcksSent: s.acks,
      RadioBusy: s.radioRefused,
      QueueDropped: s.queueDropped,
      Received: s.received,
      Ignored: s.ignored,
      Accepted: s.accepted,
      CommandsDone: s.commandsDone,
      CommandsRefused: s.commandsRefused,
      CommandsFailed: s.commandsFailed,
      SecurityEvents: this.securityTotal,
      LastSecurity: this.lastSecurity,
      LastError: this.lastError,
      Rejects: rej,
    };
  }
}
