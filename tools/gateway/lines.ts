// Reading the control unit's PC link on the host (docs/PC-LINK.md): bytes in any chunking
// -> lines -> typed messages. Never throws: a malformed line, an oversized one, or a unit
// that disappears mid-line gives a clear `bad` result, and the next line is read normally.
import { MAX_LINE, PROTOCOL_VERSION } from '../../firmware/control/pc-link';

export interface ReadingMsg {
  type: 'reading';
  node: number;
  t: number;
  ctr: number;
  V: number | null;
  I: number | null;
  P: number | null;
  E: number | null;
  PF: number | null;
  T: number | null;
  gas: number | null;
  flags: number;
  relay: string;
}
export interface TripMsg {
  type: 'trip';
  node: number;
  t: number;
  seq: number;
  state: string;
  reason: string;
}
export interface AlarmMsg {
  type: 'alarm';
  node: number;
  t: number;
  kind: string;
  detail: string;
}
export interface AckMsg {
  type: 'ack';
  node: number;
  t: number;
  code: number;
  result: string;
  reason: string;
  seq: number;
}
export interface AccessMsg {
  type: 'access';
  t: number;
  seq: number;
  kind: string;
  who: string;
  detail: string;
}
export interface ReplyMsg {
  type: 'reply';
  id: number | string | null;
  [k: string]: unknown;
}
export interface ErrorMsg {
  type: 'error';
  id: number | string | null;
  error: string;
}
export interface HelloMsg {
  type: 'hello';
  t: number;
  nodes: number[];
}
export interface OtherMsg {
  type: 'security' | 'rekey';
  node: number;
  t: number;
  [k: string]: unknown;
}
/** [name, relay, on, next planned start s | null, unmet reason | ""] */
export type EnergyLoad = [string, string, boolean, number | null, string];
export interface EnergyMsg {
  type: 'energy';
  ev: number;
  t: number;
  realW: number | null;
  visibleW: number | null;
  batteryW: number | null;
  soc: number | null;
  owner: string;
  algo: string;
  realWh: number | null;
  visibleWh: number | null;
  sched: { slotS: number; start: number; exact: boolean; cost: number | null; refused: number; loads: EnergyLoad[] } | null;
  /** the demand-response order the unit holds (added to ev 1 later: absent from older units) */
  dr?: EnergyDr | null;
  drLast?: string;
}
export interface EnergyDr {
  id: number;
  seq: number;
  kind: string;
  limitW: number;
  relays: number[];
  start: number;
  end: number;
  active: boolean;
  refused: number;
}
/** One load of the whole plan (docs/PC-LINK.md "plan"): `on` is a hex bitmap of its slots, slot 4i in digit i's high bit. */
export interface PlanMsg {
  type: 'plan';
  pv: number;
  t: number;
  start: number;
  slotS: number;
  slots: number;
  load: number;
  of: number;
  name: string;
  relay: string;
  powerW: number | null;
  on: string;
  unmet: string;
}
export type DeviceMsg = ReadingMsg | TripMsg | AlarmMsg | AckMsg | AccessMsg | ReplyMsg | ErrorMsg | HelloMsg | OtherMsg | EnergyMsg | PlanMsg;

export type LineResult = { ok: true; msg: DeviceMsg } | { ok: false; error: string };

const num = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v);
const numOrNull = (v: unknown): boolean => v === null || num(v);
const str = (v: unknown): boolean => typeof v === 'string';
const bool = (v: unknown): boolean => typeof v === 'boolean';
/** the `energy` schema versions this gateway reads (docs/PC-LINK.md "energy") */
const ENERGY_VERSIONS = [1];
const energyLoad = (v: unknown): boolean => Array.isArray(v) && v.length === 5 && str(v[0]) && str(v[1]) && bool(v[2]) && numOrNull(v[3]) && str(v[4]);
/** the `plan` schema versions this gateway reads */
const PLAN_VERSIONS = [1];
const int = (v: unknown): boolean => num(v) && Number.isInteger(v as number);
const bitmap = (v: unknown): boolean => typeof v === 'string' && /^[0-9a-f]*$/.test(v);
const energyDr = (v: unknown): boolean => {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const d = v as Record<string, unknown>;
  return (
    num(d.id) &&
    num(d.seq) &&
    str(d.kind) &&
    num(d.limitW) &&
    Array.isArray(d.relays) &&
    d.relays.every(num) &&
    num(d.start) &&
    num(d.end) &&
    bool(d.active) &&
    num(d.refused)
  );
};
const energySched = (v: unknown): boolean => {
  if (v === null) return true;
  if (typeof v !== 'object' || Array.isArray(v)) return false;
  const s = v as Record<string, unknown>;
  return num(s.slotS) && num(s.start) && bool(s.exact) && numOrNull(s.cost) && num(s.refused) && Array.isArray(s.loads) && s.loads.every(energyLoad);
};

const SHAPES: Record<string, Record<string, (v: unknown) => boolean>> = {
  reading: {
    node: num,
    t: num,
    ctr: num,
    V: numOrNull,
    I: numOrNull,
    P: numOrNull,
    E: numOrNull,
    PF: numOrNull,
    T: numOrNull,
    gas: numOrNull,
    flags: num,
    relay: str,
  },
  trip: { node: num, t: num, seq: num, state: str, reason: str },
  alarm: { node: num, t: num, kind: str, detail: str },
  ack: { node: num, t: num, code: num, result: str, reason: str, seq: num },
  access: { t: num, seq: num, kind: str, who: str, detail: str },
  security: { node: num, t: num },
  rekey: { node: num, t: num, epoch: num },
  reply: {},
  error: { error: str },
  hello: { t: num, nodes: (v) => Array.isArray(v) && v.every(num) },
  energy: {
    ev: (v) => ENERGY_VERSIONS.includes(v as number),
    t: num,
    realW: numOrNull,
    visibleW: numOrNull,
    batteryW: numOrNull,
    soc: numOrNull,
    owner: str,
    algo: str,
    realWh: numOrNull,
    visibleWh: numOrNull,
    sched: energySched,
    dr: (v) => v === undefined || v === null || energyDr(v),
    drLast: (v) => v === undefined || str(v),
  },
  plan: {
    pv: (v) => PLAN_VERSIONS.includes(v as number),
    t: num,
    start: num,
    slotS: num,
    slots: (v) => int(v) && (v as number) >= 1,
    load: (v) => int(v) && (v as number) >= 0,
    of: (v) => int(v) && (v as number) >= 1,
    name: str,
    relay: str,
    powerW: numOrNull,
    on: bitmap,
    unmet: str,
  },
};

/** One line from the unit, checked field by field against docs/PC-LINK.md. */
export function parseDeviceLine(line: string): LineResult {
  if (line.length > MAX_LINE) return { ok: false, error: `line of ${line.length} characters, over ${MAX_LINE}` };
  let o: unknown;
  try {
    o = JSON.parse(line);
  } catch {
    return { ok: false, error: `not JSON: ${JSON.stringify(line.slice(0, 60))}` };
  }
  if (o === null || typeof o !== 'object' || Array.isArray(o)) return { ok: false, error: 'not a JSON object' };
  const m = o as Record<string, unknown>;
  if (m.v !== PROTOCOL_VERSION) return { ok: false, error: `protocol version ${String(m.v)}, this gateway reads ${PROTOCOL_VERSION}` };
  const shape = typeof m.type === 'string' ? SHAPES[m.type] : undefined;
  if (shape === undefined) return { ok: false, error: `unknown message type ${JSON.stringify(m.type)}` };
  for (const k of Object.keys(shape)) if (!shape[k](m[k])) return { ok: false, error: `${m.type}.${k}: ${JSON.stringify(m[k])} is not valid` };
  if (m.type === 'plan') {
    if ((m.load as number) >= (m.of as number)) return { ok: false, error: `plan.load: ${String(m.load)} is not below of ${String(m.of)}` };
    if ((m.on as string).length !== Math.ceil((m.slots as number) / 4))
      return { ok: false, error: `plan.on: ${(m.on as string).length} hex digits for ${String(m.slots)} slots` };
  }
  return { ok: true, msg: m as unknown as DeviceMsg };
}

/** Bytes -> lines. A partial line is held until its newline; `reset()` drops it (the port closed mid-line). */
export class LineSplitter {
  private buf = '';
  private dropping = false;
  constructor(
    private readonly onLine: (line: string) => void,
    private readonly onBad: (why: string) => void,
  ) {}

  push(chunk: string): void {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf('\n', start);
      const piece = nl < 0 ? chunk.slice(start) : chunk.slice(start, nl);
      if (!this.dropping) {
        this.buf += piece;
        if (this.buf.length > MAX_LINE) {
          this.onBad(`line over ${MAX_LINE} characters dropped`);
          this.buf = '';
          this.dropping = true;
        }
      }
      if (nl < 0) return;
      const line = this.buf.endsWith('\r') ? this.buf.slice(0, -1) : this.buf;
      if (!this.dropping && line.length > 0) this.onLine(line);
      this.buf = '';
      this.dropping = false;
      start = nl + 1;
    }
  }

  /** the source went away: a partial line is not a message */
  reset(): void {
    if (this.buf.length > 0) this.onBad(`partial line of ${this.buf.length} characters dropped (the unit went away mid-line)`);
    this.buf = '';
    this.dropping = false;
  }
}
