// Runs INSIDE XS (xsnap), bundled by cross-engine.ts with the control unit's GENERATED Moddable
// modules (xs-proof.ts bundleBuild). The SDK stand-ins are xs-cu-sim.ts's, re-exported: this
// file adds no device of its own, only the unit's half of the co-simulated air:
//
//   the app -> xs-cu-sim stand-ins -> Nrf24Chip 'control' (hal/sim/nrf24-chip.ts) on a local
//   RfMedium (link-e2e.ts AirWorld) whose other station is REMOTE: the Espruino node's chip,
//   which lives in another process. Frames the local chip puts on the air go out to the
//   coordinator; frames the node's chip sent come in and are put on the local air at their
//   own start time, so the local medium delivers them (collisions included) at their end.
//
// The coordinator drives the unit with `step`: run until a virtual time (inclusive), and stop
// early right after the local chip starts a transmission, so the node can answer it (its
// Enhanced ShockBurst ACK) before the unit's ACK timer runs out. The reply carries the time
// reached, the next pending event (the unit does nothing on its own before it), the frames put
// on the air, the new PC-link lines and the frames that came in too late (the proof expects 0).
import type { BoardDescription } from '../../../boards/board';
import { bootCuWorld, EPOCH_MS, HOUSEHOLD_FINGER, READER_PASSWORD } from '../moddable/xs-cu-sim';
import { AirWorld, airStats } from '../link-e2e';
import { SimR30xChip } from '../../../hal/sim/r30x-chip';
import { Prng } from '../../../hal/sim/prng';
import { Scheduler } from '../../../hal/sim/scheduler';
import { nvsKey } from '../../../hal/moddable/nvs-key';
import { REMOTE, fromWire, toWire, type StepReply, type UnitStep, type WireFrame } from './wire';

export { Analog, Digital, Serial, SPI, Timer, Time, Preference } from '../moddable/xs-cu-sim';

declare const issueCommand: (b: ArrayBuffer) => ArrayBuffer;

export interface UnitFixture {
  /** the unit's flash (cu.prov from firmware/control/registry.ts): store key -> bytes */
  cuImage: Record<string, number[]>;
  /** where the node's chip stands (m), for the local medium's range check */
  remoteX: number;
  remoteY: number;
}

function text(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]);
  return s;
}

function send(o: unknown): void {
  const s = JSON.stringify(o);
  const b = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i) & 0xff;
  issueCommand(b.buffer);
}

/** Boot the built unit on its own clock and air; `globalThis.crossUnit.step(cmd)` answers through issueCommand. */
export function runScenario(main: () => unknown, board: BoardDescription, fx: UnitFixture, log: string[]): void {
  // the unit's own scheduler (a fresh one: the node's clock is in the other process)
  const sched = new Scheduler();
  const cu = bootCuWorld(board, sched, false);
  const air = new AirWorld(sched, 7);
  const cp = board.pins as Record<string, number>;
  air.attachChip(
    'control',
    { select: cp.radioCs, ce: cp.radioCe, irq: cp.radioIrq },
    (n) => cu.wiring.pin(n),
    (sel, d) => cu.spi.set(sel, d),
    6,
    0,
  );
  const outbox: WireFrame[] = [];
  air.medium.sniff((t) => {
    if (t.from !== REMOTE) outbox.push(toWire(t));
  });
  const reader = new SimR30xChip({ sched, uart: cu.wiring.uart(2), password: READER_PASSWORD });
  reader.preload(0, HOUSEHOLD_FINGER);
  const usb = cu.wiring.uart(0);
  for (const k of Object.keys(fx.cuImage)) cu.prefs['meter/' + nvsKey(k)] = Uint8Array.from(fx.cuImage[k]).buffer;
  // the worker runs this unit only: the virtual clock and the seeded PRNG stay for the session
  const prng = new Prng(3);
  Date.now = () => EPOCH_MS + Math.floor(sched.now() / 1000);
  Math.random = () => prng.next();
  const app = main() as { unit?: { log: { total: number; totals: Record<string, number> } } } | undefined;
  let partial = '';
  let late = 0;
  const lateLog: number[][] = [];
  let steps = 0;
  const step = (cmd: UnitStep): StepReply => {
    steps++;
    for (let i = 0; i < cmd.frames.length; i++) {
      const f = cmd.frames[i];
      if (f.e <= sched.now()) {
        late++; // it ends (arrives) before where the unit already is
        if (lateLog.length < 12) lateLog.push([f.s, f.e, sched.now(), f.ack ? 1 : 0, steps]);
      }
      air.medium.transmit({ id: REMOTE, x: fx.remoteX, y: fx.remoteY }, fromWire(f), f.e - f.s, f.s);
    }
    for (let i = 0; i < cmd.pc.length; i++) {
      const line = cmd.pc[i] + '\n';
      const b: number[] = [];
      for (let k = 0; k < line.length; k++) b.push(line.charCodeAt(k) & 0xff);
      sched.at(cmd.pcAt, () => usb.hostWrite(b));
    }
    const sent = outbox.length;
    // event by event up to the target; stop after the first transmission of this step
    for (let nx = sched.nextAt(); nx <= cmd.target && outbox.length === sent; nx = sched.nextAt()) sched.runUntil(nx);
    if (outbox.length === sent && sched.now() < cmd.target) sched.runUntil(cmd.target);
    partial += text(usb.hostRead());
    const lines: string[] = [];
    for (let k = partial.indexOf('\n'); k >= 0; k = partial.indexOf('\n')) {
      lines.push(partial.substring(0, k));
      partial = partial.substring(k + 1);
    }
    return { t: sched.now(), next: sched.nextAt(), frames: outbox.splice(0, outbox.length), lines: lines, late: late };
  };
  (globalThis as unknown as Record<string, unknown>).crossUnit = {
    step: (cmd: UnitStep) => send(step(cmd)),
    result: () =>
      send({
        refusals: app !== undefined && app.unit !== undefined ? { total: app.unit.log.total, byReason: app.unit.log.totals } : null,
        air: airStats(air),
        chip: air.chips[0].stats,
        steps: steps,
        late: late,
        lateLog: lateLog,
        log: log.slice(-40),
        virtualS: sched.now() / 1e6,
      }),
  };
}
