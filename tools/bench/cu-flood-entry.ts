// XS entry for the control unit's cost under a forgery flood (tools/bench/security.ts):
// one simulated second at the nRF24 airtime limit (3,300 forged frames and one genuine
// telemetry frame) through ControlUnit, then its one-second tick. 'unguarded' gives the
// flood guard budgets that never bite (everything read, every tag checked): the cost the
// guard saves. The radio stands in for an nRF24 with RX_DR masked while paused: a frame
// that comes then never reaches the JS thread.
import { ControlUnit } from '../../firmware/app/control-unit';
import { DIR_UP, LinkSender, MSG_TELEMETRY, PROFILE_NRF24, writeHeader } from '../../firmware/link/frame';
import { encodeTelemetry, newTelemetryReading, TELEMETRY_BYTES } from '../../firmware/link/telemetry';
import type { Radio } from '../../hal/radio';
import { SimStore } from '../../hal/sim/store';

export const FLOOD_PER_S = 3300;

export interface FloodSecond {
  t: number;
  cu: ControlUnit;
  deliver: (f: Uint8Array) => void;
  forged: Uint8Array;
  counter: number;
  genuine: () => Uint8Array;
  due: { at: number; cb: () => void }[];
}

export function setup(mode: 'guarded' | 'unguarded' | 'harness'): FloodSecond {
  // 'harness': the radio hands nothing over; what the loop itself costs, subtracted
  let paused = mode === 'harness';
  const radio: Radio = {
    profile: 'nrf24',
    maxPayload: 32,
    onReceive: undefined,
    onSent: undefined,
    send: () => true,
    close: () => {},
    pauseReceive: () => {
      paused = true;
    },
    resumeReceive: () => {
      paused = mode === 'harness';
    },
  };
  const key = new Uint8Array(32).fill(3);
  const st: FloodSecond = {
    t: 0,
    cu: undefined as unknown as ControlUnit,
    deliver: (f: Uint8Array) => {
      if (!paused && radio.onReceive !== undefined) radio.onReceive(f);
    },
    forged: new Uint8Array(30),
    counter: 1e6,
    genuine: () => new Uint8Array(0),
    due: [],
  };
  st.cu = new ControlUnit({
    clock: { now: () => st.t },
    store: new SimStore(),
    radio: radio,
    // one-shot timers (the guard's resume); the unit's one-second tick is called by second()
    timer: {
      set: (cb: () => void, delayUs: number, repeatUs?: number) => {
        if (repeatUs === undefined) st.due.push({ at: st.t + delayUs, cb: cb });
        return 1;
      },
      clear: () => {},
    },
    nodes: [{ nodeId: 1, epoch: 0, up: key, down: key }],
    flood: mode === 'unguarded' ? { rxPerSecond: 100000, armAbovePerSecond: 100000 } : {},
  });
  let c = 0;
  const sender = new LinkSender(PROFILE_NRF24, key, 0, 1, DIR_UP, { next: () => ++c });
  const body = new Uint8Array(TELEMETRY_BYTES);
  encodeTelemetry(newTelemetryReading(), body, 0);
  st.genuine = () => {
    const s = sender.seal(MSG_TELEMETRY, body, body.length);
    return s.ok ? s.frame : new Uint8Array(0);
  };
  // the first seconds arm the guard: measure its steady state
  second(st);
  second(st);
  return st;
}

/** One second of flood; returns the frames the unit accepted (the genuine one, or none). */
export function second(st: FloodSecond): number {
  const before = st.cu.stats.accepted;
  const step = 1e6 / FLOOD_PER_S;
  for (let k = 0; k < FLOOD_PER_S; k++) {
    st.t += step;
    for (let i = 0; i < st.due.length; i++)
      if (st.due[i].at <= st.t) {
        const d = st.due[i];
        st.due.splice(i--, 1);
        d.cb();
      }
    const f = st.forged;
    writeHeader(f, DIR_UP, 0, MSG_TELEMETRY, 1, st.counter++);
    st.deliver(f);
    if (k === 1650) st.deliver(st.genuine());
  }
  st.cu.tick();
  return st.cu.stats.accepted - before;
}
