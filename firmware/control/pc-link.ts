// The control unit's PC link: newline-delimited JSON over its USB serial port (the
// paper's RS-232/USB to the PC). docs/PC-LINK.md lists every message; this module is the
// only encoder and parser of it on the unit, and tools/gateway reads the same lines.
//
//   out  hello, reading, trip, security, rekey, ack, alarm, access, energy, plan, reply, error
//   in   ping, status, nodes, relay, command (authority-signed bytes), guest-login, guest-pass,
//        time (sets the unit's wall clock: guest codes run on it), enrol, delete-finger
//        (the reader's flows; their reply comes when the reader has finished), dr (the
//        utility's signed demand-response order, verified on the unit), plan (the whole plan again)
//
// Every line carries "v": PROTOCOL_VERSION. A parser that gets a bad line (not JSON, not an
// object, unknown command, wrong version, oversized, a field out of range, an action the
// role may not do) never throws: it answers one `error` line naming what is wrong, with
// the request's id when it had one, and carries on with the next line. A line longer than
// MAX_LINE is dropped up to its newline (the unit's UART buffer is the bound) and answered
// once.
//
// Roles come from the control-unit issue (household, guest, technician, utility). The PC
// at the end of the cable is the household's machine (the gateway logs its own users in
// and asserts their role); a guest's command must carry the guest code, checked by the
// unit's access module through `PcLinkPorts.guestCheck`; utility commands are bytes signed
// by the authority key, which the node verifies, and demand-response orders likewise, which
// the unit verifies with the authority's public key (neither the unit nor the PC holds the
// secret): the asserted role `utility` only carries them. Who may ask for what is a column of the one policy table
// (firmware/access/policy.ts, `may(role, action, 'pc-link')`); this module keeps no table.
//
// Portable: no Node built-ins, no timers; lines in through feed(), out through `write`.
import type { Forward } from '../app/control-unit';
import type { EnergyState } from '../policy/home-energy';
import type { TelemetryReading } from '../link/telemetry';
import { quote, toJson } from '../console/json';
import type { JsonObject, JsonValue } from '../console/json';
import { PC_LINK_ROLES, guestScopes, may, rolesFor } from '../access/policy';
import { DR_MAX_BYTES } from '../policy/dr-kinds';
import type { DrResult } from '../policy/demand-response';
import type { Action, Role } from '../access/policy';

export const PROTOCOL_VERSION = 1;
/** longest line either side accepts, characters (a reading line is ~150; a signed command in hex ~200) */
export const MAX_LINE = 1024;

/** The roles a PC may assert (the policy's PC-link columns). */
export type PcRole = Extract<Role, 'household' | 'guest' | 'technician' | 'utility'>;
export const PC_ROLES: PcRole[] = PC_LINK_ROLES as PcRole[];

/** The policy actions a PC-link command can ask for. */
export type PcAction = Extract<
  Action,
  'read' | 'relay-off' | 'relay-on' | 'signed-command' | 'guest-login' | 'issue-guest-pass' | 'set-clock' | 'enrol-finger' | 'delete-finger' | 'demand-response'
>;

// ---- out: device -> PC ----

function round(v: number, scale: number): JsonValue {
  if (v !== v) return null; // NaN: sensor fault / "no value" on the air
  return Math.round(v * scale) / scale;
}

/** relay / breaker state from the telemetry flags (firmware/app/node-link.ts FLAG_*) */
export function relayStateOf(flags: number): string {
  if ((flags & 1) !== 0) return 'closed';
  if ((flags & 2) !== 0) return 'tripped';
  if ((flags & 4) !== 0) return 'reclosing';
  return 'open';
}

export function readingJson(nodeId: number, tUs: number, counter: number, r: TelemetryReading): JsonObject {
  const pf = r.vrms > 0 && r.irms > 0 ? r.p / (r.vrms * r.irms) : NaN;
  return {
    v: PROTOCOL_VERSION,
    type: 'reading',
    node: nodeId,
    t: tUs,
    ctr: counter,
    V: round(r.vrms, 100),
    I: round(r.irms, 1000),
    P: round(r.p, 1),
    E: round(r.energyWh, 1),
    PF: round(pf > 1 ? 1 : pf < -1 ? -1 : pf, 100),
    T: round(r.tempC, 100),
    gas: round(r.lpgPpm, 1),
    flags: r.flags,
    relay: relayStateOf(r.flags),
  };
}

/** the `energy` message's own schema version (a new field is additive; a change of meaning bumps it) */
export const ENERGY_VERSION = 1;
/** longest load name, relay name and unmet reason in an `energy` line, in JSON characters (clip): 8 loads and an order stay under MAX_LINE (tested) */
const ENERGY_NAME = 16;
const ENERGY_RELAY = 12;
// 16 since the energy line also carries the demand-response order; the plan line keeps 32
const ENERGY_REASON = 16;
const PLAN_REASON = 32;

/**
 * The longest prefix of `s` whose JSON text (escapes included: a non-ASCII character is
 * \uXXXX, 6 characters) is at most `max` characters, so a line's bound holds for any name.
 */
export function clip(s: string, max: number): string {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    n += c === 34 || c === 92 || c === 10 || c === 13 || c === 9 ? 2 : c < 32 || c > 126 ? 6 : 1;
    if (n > max) return s.substring(0, i);
  }
  return s;
}

/**
 * The energy management's state as an `energy` line (docs/PC-LINK.md). Within MAX_LINE
 * whatever the names and numbers: should the line come out longer (every name at its limit
 * and the numbers at their widest), it goes again with the loads' texts left out ("", the
 * `plan` lines carry them).
 */
export function encodeEnergy(tUs: number, e: EnergyState): string {
  const line = energyLine(tUs, e, 1);
  return line.length <= MAX_LINE ? line : energyLine(tUs, e, 0);
}

function energyLine(tUs: number, e: EnergyState, texts: number): string {
  let sched: JsonValue = null;
  const s = e.schedule;
  if (s !== undefined) {
    const loads: JsonValue[] = [];
    for (let i = 0; i < s.loads.length; i++) {
      const l = s.loads[i];
      // [name, relay, on, next planned start s | null, unmet reason | ""]: arrays keep 8 loads in one line
      loads.push([
        clip(l.name, texts * ENERGY_NAME),
        clip(l.relay, texts * ENERGY_RELAY),
        l.on,
        l.nextS < 0 ? null : l.nextS,
        clip(l.unmet, texts * ENERGY_REASON),
      ]);
    }
    sched = { slotS: s.slotS, start: s.startUs, planning: s.planning, exact: s.exact, cost: round(s.cost, 1000), refused: s.refused, loads: loads };
  }
  let dr: JsonValue = null;
  const d = e.dr;
  if (d !== undefined) {
    const rl: JsonValue[] = [];
    for (let i = 0; i < d.relays.length; i++) rl.push(d.relays[i]);
    // refused: how many of its claims the policy refused (the `dr` reply names them)
    dr = {
      id: d.id,
      seq: d.seq,
      kind: clip(d.kind, 8),
      limitW: d.limitW,
      relays: rl,
      start: d.startUs,
      end: d.endUs,
      active: d.active,
      refused: d.refused.length,
    };
  }
  return toJson({
    v: PROTOCOL_VERSION,
    type: 'energy',
    ev: ENERGY_VERSION,
    t: tUs,
    realW: round(e.realW, 1),
    visibleW: round(e.visibleW, 1),
    batteryW: round(e.batteryW, 1),
    soc: round(e.soc, 1000),
    owner: e.owner,
    algo: e.algorithm,
    realWh: round(e.realWh, 10),
    visibleWh: round(e.visibleWh, 10),
    sched: sched,
    dr: dr,
    drLast: clip(e.drLast, 24),
  });
}

/** the `plan` message's own schema version */
export const PLAN_VERSION = 1;
const HEXD = '0123456789abcdef';

/** The slots a load runs in as a bitmap in hex: digit i holds slots 4i..4i+3, slot 4i in its high bit. */
export function slotBitmap(slots: number[], horizon: number): string {
  const digits = Math.ceil(horizon / 4);
  const d: number[] = [];
  for (let i = 0; i < digits; i++) d.push(0);
  for (let k = 0; k < slots.length; k++) {
    const q = slots[k];
    if (q >= 0 && q < horizon) d[q >> 2] |= 8 >> (q & 3);
  }
  let out = '';
  for (let i = 0; i < digits; i++) out += HEXD.charAt(d[i]);
  return out;
}

/**
 * The whole plan as `plan` lines, one a load (docs/PC-LINK.md "plan"): a line stays under
 * MAX_LINE at the scheduler's bounds (MAX_SLOTS 672: 168 hex digits). [] without a plan.
 */
export function encodePlan(tUs: number, e: EnergyState): string[] {
  const s = e.schedule;
  if (s === undefined || s.planning) return [];
  const out: string[] = [];
  for (let i = 0; i < s.loads.length; i++) {
    const l = s.loads[i];
    out.push(
      toJson({
        v: PROTOCOL_VERSION,
        type: 'plan',
        pv: PLAN_VERSION,
        t: tUs,
        start: s.startUs,
        slotS: s.slotS,
        slots: s.horizon,
        load: i,
        of: s.loads.length,
        name: clip(l.name, ENERGY_NAME),
        relay: clip(l.relay, ENERGY_RELAY),
        powerW: round(l.powerW, 1),
        on: slotBitmap(l.slots, s.horizon),
        unmet: clip(l.unmet, PLAN_REASON),
      }),
    );
  }
  return out;
}

/** what identifies a plan: a new one, or the same one re-planned, gives a new key */
function planKey(e: EnergyState): string {
  const s = e.schedule;
  if (s === undefined || s.planning) return '';
  return String(s.startUs) + '/' + String(s.cost) + '/' + String(s.loads.length) + '/' + (s.exact ? 'x' : 'g');
}

/** One Forward from the control unit as one PC-link line (without the newline). */
export function encodeForward(f: Forward): string {
  if (f.kind === 'energy') return encodeEnergy(f.tUs, f.energy);
  if (f.kind === 'reading') return toJson(readingJson(f.nodeId, f.tUs, f.counter, f.reading));
  if (f.kind === 'alarm') return toJson({ v: PROTOCOL_VERSION, type: 'alarm', node: f.nodeId, t: f.tUs, kind: f.alarm.kind, detail: f.alarm.detail });
  if (f.kind === 'ack') {
    const a = f.ack;
    return toJson({ v: PROTOCOL_VERSION, type: 'ack', node: f.nodeId, t: f.tUs, code: a.code, result: a.result, reason: a.reason, seq: a.seq });
  }
  const e = f.event;
  if (e.kind === 'trip') return toJson({ v: PROTOCOL_VERSION, type: 'trip', node: f.nodeId, t: f.tUs, seq: e.seq, state: e.state, reason: e.reason });
  if (e.kind === 'security') {
    const c: JsonObject = {};
    const k = Object.keys(e.counts);
    for (let i = 0; i < k.length; i++) c[k[i]] = e.counts[k[i]];
    return toJson({ v: PROTOCOL_VERSION, type: 'security', node: f.nodeId, t: f.tUs, counts: c });
  }
  if (e.kind === 'rekey') return toJson({ v: PROTOCOL_VERSION, type: 'rekey', node: f.nodeId, t: f.tUs, epoch: e.epoch });
  return toJson({ v: PROTOCOL_VERSION, type: 'error', id: null, error: 'event: ' + e.error });
}

/** An access-log record (enrolment, identification, pass issued/used/refused, role action). */
export interface AccessRecord {
  tUs: number;
  seq: number;
  kind: string;
  who: string;
  detail: string;
}

export function encodeAccess(r: AccessRecord): string {
  return toJson({ v: PROTOCOL_VERSION, type: 'access', t: r.tUs, seq: r.seq, kind: r.kind, who: r.who, detail: r.detail });
}

export function encodeHello(nodes: number[], tUs: number): string {
  const n: JsonValue[] = [];
  for (let i = 0; i < nodes.length; i++) n.push(nodes[i]);
  return toJson({ v: PROTOCOL_VERSION, type: 'hello', unit: 'control', t: tUs, nodes: n, maxLine: MAX_LINE });
}

export function encodeError(id: JsonValue, error: string): string {
  return '{"v":' + String(PROTOCOL_VERSION) + ',"type":"error","id":' + toJson(id) + ',"error":' + quote(error) + '}';
}

export function encodeReply(id: JsonValue, body: JsonObject): string {
  const o: JsonObject = { v: PROTOCOL_VERSION, type: 'reply', id: id, ok: true };
  const k = Object.keys(body);
  for (let i = 0; i < k.length; i++) o[k[i]] = body[k[i]];
  return toJson(o);
}

// ---- in: PC -> device ----

export type PcCommand =
  | { cmd: 'ping'; id: JsonValue; role: PcRole }
  | { cmd: 'status'; id: JsonValue; role: PcRole }
  | { cmd: 'nodes'; id: JsonValue; role: PcRole }
  | { cmd: 'relay'; id: JsonValue; role: PcRole; node: number; state: 'on' | 'off'; code: string }
  | { cmd: 'command'; id: JsonValue; role: PcRole; node: number; hex: string }
  | { cmd: 'guest-login'; id: JsonValue; role: PcRole; code: string }
  | { cmd: 'guest-pass'; id: JsonValue; role: PcRole; scope: string; uses: number; minutes: number }
  | { cmd: 'time'; id: JsonValue; role: PcRole; unix: number; force: boolean }
  /** page: where to store the template; undefined: the next page (the reader's template count) */
  | { cmd: 'enrol'; id: JsonValue; role: PcRole; page: number | undefined }
  /** page -1: wipe the reader */
  | { cmd: 'delete-finger'; id: JsonValue; role: PcRole; page: number }
  /** the utility's signed demand-response order (firmware/policy/dr-order.ts), hex */
  | { cmd: 'dr'; id: JsonValue; role: PcRole; hex: string }
  | { cmd: 'plan'; id: JsonValue; role: PcRole };

export type PcParse = { ok: true; command: PcCommand } | { ok: false; id: JsonValue; error: string };

const COMMANDS = ['ping', 'status', 'nodes', 'relay', 'command', 'guest-login', 'guest-pass', 'time', 'enrol', 'delete-finger', 'dr', 'plan'];
/** longest `dr` hex: the largest order (firmware/policy/dr-order.ts DR_MAX_BYTES, 109 bytes) */
export const DR_HEX_MAX = 2 * DR_MAX_BYTES;
/** highest template page a command may name (R307/R503 hold 200..1000 templates; the reader refuses past its own capacity) */
export const MAX_PAGE = 999;
/** what a guest pass issued over the PC link may allow (the policy's PC-link guest cells) */
export const GUEST_SCOPES: string[] = guestScopes('pc-link');

function bad(id: JsonValue, error: string): PcParse {
  return { ok: false, id: id, error: error };
}

function isRole(s: unknown): boolean {
  for (let i = 0; i < PC_ROLES.length; i++) if (PC_ROLES[i] === s) return true;
  return false;
}

function validId(v: unknown): boolean {
  if (v === undefined || v === null) return true;
  if (typeof v === 'number') return isFinite(v);
  return typeof v === 'string' && v.length <= 64;
}

function isHex(s: string): boolean {
  if (s.length === 0 || s.length % 2 !== 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) return false;
  }
  return true;
}

/** The action a command needs from the role table. */
export function actionOf(c: PcCommand): PcAction {
  if (c.cmd === 'relay') return c.state === 'on' ? 'relay-on' : 'relay-off';
  if (c.cmd === 'command') return 'signed-command';
  if (c.cmd === 'guest-login') return 'guest-login';
  if (c.cmd === 'guest-pass') return 'issue-guest-pass';
  if (c.cmd === 'time') return 'set-clock';
  if (c.cmd === 'enrol') return 'enrol-finger';
  if (c.cmd === 'delete-finger') return 'delete-finger';
  if (c.cmd === 'dr') return 'demand-response';
  return 'read';
}

/**
 * Parse one line from the PC. Never throws: any input gives a command or an error that
 * names the field (and the request's id when it could be read). Checks the role table.
 */
export function parsePcLine(line: string): PcParse {
  if (typeof line !== 'string') return bad(null, 'line: not text');
  if (line.length > MAX_LINE) return bad(null, 'line: ' + String(line.length) + ' characters, over the limit of ' + String(MAX_LINE));
  let o: unknown;
  try {
    o = JSON.parse(line);
  } catch (e) {
    return bad(null, 'line: not JSON');
  }
  if (o === null || typeof o !== 'object' || Array.isArray(o)) return bad(null, 'line: not a JSON object');
  const m = o as { [k: string]: unknown };
  const idv = m['id'];
  if (!validId(idv)) return bad(null, 'id: a number or a string of at most 64 characters');
  const id = (idv === undefined ? null : idv) as JsonValue;
  if (m['v'] !== PROTOCOL_VERSION) return bad(id, 'v: protocol version ' + String(PROTOCOL_VERSION) + ' expected');
  const cmd = m['cmd'];
  if (typeof cmd !== 'string') return bad(id, 'cmd: missing');
  if (COMMANDS.indexOf(cmd) < 0) return bad(id, 'cmd: unknown command (one of ' + COMMANDS.join(', ') + ')');
  const role = m['role'];
  if (!isRole(role)) return bad(id, 'role: one of ' + PC_ROLES.join(', '));
  const r = role as PcRole;
  let c: PcCommand;
  if (cmd === 'relay' || cmd === 'command') {
    const node = m['node'];
    if (typeof node !== 'number' || !(node >= 1 && node <= 254) || Math.floor(node) !== node) return bad(id, 'node: an integer 1..254');
    if (cmd === 'relay') {
      const st = m['state'];
      if (st !== 'on' && st !== 'off') return bad(id, 'state: "on" or "off"');
      const code = m['code'];
      if (code !== undefined && (typeof code !== 'string' || code.length > 16)) return bad(id, 'code: a string of at most 16 characters');
      c = { cmd: 'relay', id: id, role: r, node: node, state: st, code: code === undefined ? '' : (code as string) };
    } else {
      const hex = m['hex'];
      if (typeof hex !== 'string' || !isHex(hex) || hex.length > 512) return bad(id, 'hex: the signed command, lower-case hex, 2..512 digits');
      c = { cmd: 'command', id: id, role: r, node: node, hex: hex };
    }
  } else if (cmd === 'guest-login') {
    const code = m['code'];
    if (typeof code !== 'string' || code.length < 1 || code.length > 16) return bad(id, 'code: a string of 1..16 characters');
    c = { cmd: 'guest-login', id: id, role: r, code: code };
  } else if (cmd === 'guest-pass') {
    const scope = m['scope'];
    if (typeof scope !== 'string' || GUEST_SCOPES.indexOf(scope) < 0) return bad(id, 'scope: one of ' + GUEST_SCOPES.join(', '));
    const uses = m['uses'];
    if (typeof uses !== 'number' || !(uses >= 1 && uses <= 100) || Math.floor(uses) !== uses) return bad(id, 'uses: an integer 1..100');
    const minutes = m['minutes'];
    if (typeof minutes !== 'number' || !(minutes >= 1 && minutes <= 10080) || Math.floor(minutes) !== minutes)
      return bad(id, 'minutes: an integer 1..10080 (a week)');
    c = { cmd: 'guest-pass', id: id, role: r, scope: scope, uses: uses, minutes: minutes };
  } else if (cmd === 'time') {
    const unix = m['unix'];
    // Unix seconds, ms resolution allowed; the unit's bounds (wall-clock.ts) are judged there
    if (typeof unix !== 'number' || !isFinite(unix) || !(unix > 0)) return bad(id, 'unix: the time, Unix seconds (a positive number)');
    const force = m['force'];
    if (force !== undefined && typeof force !== 'boolean') return bad(id, 'force: true or false');
    c = { cmd: 'time', id: id, role: r, unix: unix, force: force === true };
  } else if (cmd === 'enrol' || cmd === 'delete-finger') {
    const page = m['page'];
    const isPage = typeof page === 'number' && page >= 0 && page <= MAX_PAGE && Math.floor(page) === page;
    if (cmd === 'enrol') {
      if (page !== undefined && !isPage) return bad(id, 'page: an integer 0..' + String(MAX_PAGE) + ', or leave it out for the next page');
      c = { cmd: 'enrol', id: id, role: r, page: page === undefined ? undefined : (page as number) };
    } else {
      if (page !== 'all' && !isPage) return bad(id, 'page: an integer 0..' + String(MAX_PAGE) + ', or "all" to wipe the reader');
      c = { cmd: 'delete-finger', id: id, role: r, page: page === 'all' ? -1 : (page as number) };
    }
  } else if (cmd === 'dr') {
    const hex = m['hex'];
    if (typeof hex !== 'string' || !isHex(hex) || hex.length > DR_HEX_MAX)
      return bad(id, 'hex: the signed demand-response order, lower-case hex, 2..' + String(DR_HEX_MAX) + ' digits');
    c = { cmd: 'dr', id: id, role: r, hex: hex };
  } else if (cmd === 'plan') c = { cmd: 'plan', id: id, role: r };
  else if (cmd === 'ping') c = { cmd: 'ping', id: id, role: r };
  else if (cmd === 'status') c = { cmd: 'status', id: id, role: r };
  else c = { cmd: 'nodes', id: id, role: r };
  const action = actionOf(c);
  if (!may(r, action, 'pc-link'))
    return bad(id, 'forbidden: ' + action + ' is not allowed to ' + r + ' (allowed: ' + rolesFor(action, 'pc-link').join(', ') + ')');
  return { ok: true, command: c };
}

// ---- the unit side: lines in, replies out ----

/** What the unit does for a command; each returns '' or why not (never throws past PcLink). */
export interface PcLinkPorts {
  /** node ids in the registry */
  nodes(): number[];
  /** per-node status for `status` */
  status(): JsonObject;
  /** forward authority-signed command bytes to a node ('' or why not): ControlUnit.sendCommand */
  sendCommand(nodeId: number, bytes: Uint8Array): string;
  /**
   * Switch a node's relay for the household (or a guest with a scope that allows it):
   * ControlUnit.householdRelay (a MSG_HOUSEHOLD frame under the link keys; the node's
   * ack line follows). Absent: refused, naming the missing port.
   */
  relay?: (nodeId: number, on: boolean, role: PcRole) => string;
  /**
   * The access module's guest-code check (control-unit issue, item 4: OTP guest passes).
   * Returns '' when the code is valid for `action` now, else why not. Absent: guests are
   * refused ('no access module').
   */
  guestCheck?: (code: string, action: PcAction) => string;
  /**
   * Issue a guest pass for the household (access module): returns the code to hand to the
   * guest (pass number + the current TOTP), and the pass's `otpauth://totp/...` URI (its
   * base32 secret, issuer, algorithm, digits, period) for an authenticator app, or why not.
   * Absent: refused ('no access module').
   */
  issueGuestPass?: (scope: string, uses: number, minutes: number) => { code: string; pass?: number; uri?: string } | string;
  /**
   * Set the unit's wall clock (Access.setClock on the unit's WallClock: the policy, the step
   * bound, one access-log record). Returns the step made, or why not. Absent: refused.
   */
  setTime?: (unixS: number, force: boolean, role: PcRole) => { unix: number; step: number | null } | string;
  /**
   * Start an enrolment on the reader (Access.enrol: two captures at the unit): '' when
   * started, else why not; `done` follows once with '' or the reader's error and the page.
   */
  enrol?: (page: number | undefined, role: PcRole, done: (err: string, page: number) => void) => string;
  /** Delete one template (page >= 0) or wipe the reader (-1): Access.deleteFinger; as enrol. */
  deleteFinger?: (page: number, role: PcRole, done: (err: string) => void) => string;
  /**
   * A demand-response order's bytes (ControlUnit.demandResponse: the unit verifies the
   * utility authority's signature): '' when it is being verified, `done` follows once.
   * Absent: refused.
   */
  dr?: (bytes: Uint8Array, done: (err: string, r: DrResult | undefined) => void) => string;
}

/** energy lines between two re-sends of an unchanged plan (a gateway that came late gets it within 10 lines) */
export const PLAN_EVERY = 10;

function unhex(s: string): Uint8Array {
  const b = new Uint8Array(s.length / 2);
  for (let i = 0; i < b.length; i++) b[i] = parseInt(s.substr(2 * i, 2), 16);
  return b;
}

export class PcLink {
  readonly stats = { linesIn: 0, errors: 0, linesOut: 0, oversized: 0 };
  private buf = '';
  private dropping = false;
  private lastEnergy: { tUs: number; e: EnergyState } | undefined = undefined;
  private planSentKey = '';
  private sincePlan = 0;

  constructor(
    private readonly ports: PcLinkPorts,
    private readonly write: (line: string) => void,
  ) {}

  private out(line: string): void {
    this.stats.linesOut++;
    this.write(line + '\n');
  }

  /** The control unit's onForward hook. An energy line is preceded by the plan's lines when the plan changed or every PLAN_EVERY lines. */
  forward(f: Forward): void {
    if (f.kind === 'energy') {
      this.lastEnergy = { tUs: f.tUs, e: f.energy };
      const k = planKey(f.energy);
      this.sincePlan++;
      if (k !== '' && (k !== this.planSentKey || this.sincePlan >= PLAN_EVERY)) this.sendPlan();
    }
    this.out(encodeForward(f));
  }

  /** The last plan's lines again; returns how many. */
  private sendPlan(): number {
    const l = this.lastEnergy;
    if (l === undefined) return 0;
    const lines = encodePlan(l.tUs, l.e);
    for (let i = 0; i < lines.length; i++) this.out(lines[i]);
    this.planSentKey = planKey(l.e);
    this.sincePlan = 0;
    return lines.length;
  }

  access(r: AccessRecord): void {
    this.out(encodeAccess(r));
  }

  hello(tUs: number): void {
    this.out(encodeHello(this.ports.nodes(), tUs));
  }

  /** Bytes from the USB serial port, as text (any chunking). */
  feed(chunk: string): void {
    for (let i = 0; i < chunk.length; i++) {
      const ch = chunk.charAt(i);
      if (ch === '\n') {
        if (this.dropping) this.dropping = false;
        else this.line(this.buf);
        this.buf = '';
      } else if (!this.dropping) {
        if (ch !== '\r') this.buf += ch;
        if (this.buf.length > MAX_LINE) {
          this.stats.oversized++;
          this.stats.errors++;
          this.out(encodeError(null, 'line: over the limit of ' + String(MAX_LINE) + ' characters, dropped up to its newline'));
          this.buf = '';
          this.dropping = true;
        }
      }
    }
  }

  /** Handle one complete line; returns nothing, answers on `write`. */
  line(text: string): void {
    if (text.length === 0) return;
    this.stats.linesIn++;
    const p = parsePcLine(text);
    if (!p.ok) {
      this.stats.errors++;
      this.out(encodeError(p.id, p.error));
      return;
    }
    let why = '';
    let body: JsonObject = {};
    // the reader's flows answer later, once, through `later`
    let deferred = false;
    const id = p.command.id;
    let answered = false;
    const later = (err: string, b: JsonObject): void => {
      if (answered) return;
      answered = true;
      // called from the reader driver's callback: a write that throws must not reach it (rule 6)
      try {
        if (err !== '') {
          this.stats.errors++;
          this.out(encodeError(id, err));
        } else this.out(encodeReply(id, b));
      } catch (e) {
        this.stats.errors++;
      }
    };
    try {
      const c = p.command;
      if (c.role === 'guest') {
        const code = c.cmd === 'relay' || c.cmd === 'guest-login' ? c.code : '';
        if (this.ports.guestCheck === undefined) why = 'guest: no access module on this unit';
        else if (code === '') why = 'guest: the command needs the guest code';
        else why = this.ports.guestCheck(code, actionOf(c));
      }
      if (why !== '') {
        // refused by the access module
      } else if (c.cmd === 'ping') body = { pong: true };
      else if (c.cmd === 'status') body = { status: this.ports.status() };
      else if (c.cmd === 'nodes') {
        const n = this.ports.nodes();
        const a: JsonValue[] = [];
        for (let i = 0; i < n.length; i++) a.push(n[i]);
        body = { nodes: a };
      } else if (c.cmd === 'guest-login') body = { role: 'guest' };
      else if (c.cmd === 'guest-pass') {
        if (this.ports.issueGuestPass === undefined) why = 'guest: no access module on this unit';
        else {
          const g = this.ports.issueGuestPass(c.scope, c.uses, c.minutes);
          if (typeof g === 'string') why = g;
          else {
            body = { code: g.code, scope: c.scope, uses: c.uses, minutes: c.minutes };
            if (g.pass !== undefined) body.pass = g.pass;
            if (g.uri !== undefined) body.uri = g.uri;
          }
        }
      } else if (c.cmd === 'time') {
        if (this.ports.setTime === undefined) why = 'time: this unit has no settable clock';
        else {
          const k = this.ports.setTime(c.unix, c.force, c.role);
          if (typeof k === 'string') why = 'time: ' + k;
          else body = { unix: k.unix, step: k.step, forced: c.force };
        }
      } else if (c.cmd === 'enrol') {
        if (this.ports.enrol === undefined) why = 'enrol: this unit has no fingerprint reader port';
        else {
          why = this.ports.enrol(c.page, c.role, function (err: string, page: number): void {
            later(err === '' ? '' : 'enrol: ' + err, { page: page, enrolled: true });
          });
          deferred = why === '';
        }
      } else if (c.cmd === 'delete-finger') {
        const page = c.page;
        if (this.ports.deleteFinger === undefined) why = 'delete-finger: this unit has no fingerprint reader port';
        else {
          why = this.ports.deleteFinger(page, c.role, function (err: string): void {
            later(err === '' ? '' : 'delete-finger: ' + err, { page: page < 0 ? 'all' : page, deleted: true });
          });
          deferred = why === '';
        }
      } else if (c.cmd === 'plan') {
        const n = this.sendPlan();
        const st = this.lastEnergy === undefined ? undefined : this.lastEnergy.e.schedule;
        body = { loads: n, start: st === undefined || st.planning ? null : st.startUs };
      } else if (c.cmd === 'dr') {
        if (this.ports.dr === undefined) why = 'dr: this unit has no demand-response port';
        else {
          why = this.ports.dr(unhex(c.hex), function (err: string, r: DrResult | undefined): void {
            if (err !== '' || r === undefined) return later(err === '' ? 'dr: no result' : err, {});
            const refused: JsonValue[] = [];
            for (let i = 0; i < r.refused.length; i++) refused.push(r.refused[i].substring(0, 96));
            later('', { order: r.order, seq: r.seq, kind: r.kind, accepted: true, refused: refused });
          });
          deferred = why === '';
        }
      } else if (c.cmd === 'relay') {
        if (this.ports.relay === undefined) why = 'relay: this unit has no relay port (ControlUnit.householdRelay is not wired)';
        else why = this.ports.relay(c.node, c.state === 'on', c.role);
        // queued: the node's ack line (code 16) says whether it obeyed
        if (why === '') body = { node: c.node, state: c.state, queued: true };
      } else {
        why = this.ports.sendCommand(c.node, unhex(c.hex));
        if (why === '') body = { node: c.node, queued: true };
      }
    } catch (e) {
      why = 'internal: ' + String(e);
      deferred = false;
    }
    if (deferred || answered) return;
    answered = true;
    if (why !== '') {
      this.stats.errors++;
      this.out(encodeError(p.command.id, why));
    } else this.out(encodeReply(p.command.id, body));
  }
}
