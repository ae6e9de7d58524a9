// Runs ON Espruino (the real interpreter, bundled by espruino/bundle.ts into `.boot0` after
// real.ts STANDINS), next to the BUILT node app (`.bootcde`): the node's half of the
// cross-engine proof (cross-engine.ts). The node's nRF24L01+ (hal/sim/nrf24-chip.ts) sits behind
// SPI1, CE and the IRQ watch (espruino/node-radio.ts) on a local RfMedium (link-e2e.ts
// AirWorld) whose other station is REMOTE: the control unit's chip, in XS, in another process.
//
// Time: getTime() is the sampled time (tick k of the ADC at k / rateHz s, as real.ts
// meterDriver has it); the driver hands the app one block of samples per event-loop turn, so
// watches and the app's timers interleave as on the board. The app acts at block boundaries
// (the block's samples are processed at the boundary's air time) and in its IRQ watch; the
// air runs event by event in between and pauses where the IRQ falls until the watch has run.
//
// Commands come from the coordinator through a named pipe (`cmdFifo`: 8 hex digits of length,
// then JSON), read with a blocking File.read: the interpreter waits there between steps, so no
// timer of the app fires outside a step. (The REPL path, stdin -> USB 'data', answers a line
// in ~55 ms on this host; the pipe in ~2 ms.) Replies go to stdout between \x02XENG and \x03.
import { Scheduler } from '../../../hal/sim/scheduler';
import { AirWorld, airStats } from '../link-e2e';
import { polyfill, wireNodeRadio, type NodeRadioPins, type Standin } from '../espruino/node-radio';
import { REMOTE, fromWire, toWire, type NodeStep, type StepReply, type WireFrame } from './wire';

declare const __CROSS__: {
  pins: NodeRadioPins & { comparator: number };
  irqLatencyUs: number;
  rateHz: number;
  blockPairs: number;
  cmdFifo: string;
  remoteX: number;
  remoteY: number;
};
declare const global: Record<string, unknown>;
declare const E: { on(ev: string, f: () => void): void; openFile(path: string, mode: string): { read(n: number): string | undefined } };
declare const USB: { write(s: string): void };

interface Sampler {
  stop(): void;
  tick(): void;
}
interface MeterNodeLike {
  state(): string;
  trips(): { reason: string }[];
  core: { sampler: Sampler };
}

function install(): void {
  polyfill();
  const C = __CROSS__;
  const P = C.pins;
  const S = global.__standin as Standin;
  const errors: string[] = [];
  const proc = global.process as { memory(): { usage: number; total: number }; on(ev: string, f: (e: unknown) => void): void };
  proc.on('uncaughtException', (e) => {
    errors.push(String(e) + ' ' + String((e as { stack?: string }).stack));
  });
  const sched = new Scheduler({ startUs: 0 });
  const world = new AirWorld(sched, 7);
  // Espruino runs a watch from its event loop, after the edge: the service (and whatever the app
  // sends from it, e.g. a command's ack) starts IRQ_LATENCY_US after the edge in air time. At 0
  // the app would switch the chip to TX in the same instant it received, while the chip still
  // owes the sender its auto-ACK (130 µs later): the two collide, which no board does.
  const radio = wireNodeRadio(world, P, S, errors, () => undefined, 0, 0, C.irqLatencyUs);
  const outbox: WireFrame[] = [];
  world.medium.sniff((t) => {
    if (t.from !== REMOTE) outbox.push(toWire(t));
  });
  let vk = 0;
  global.getTime = () => vk / C.rateHz;
  const blockUs = (C.blockPairs * 1e6) / C.rateHz;
  // the boundary where the next block of samples is processed (µs)
  const boundary = (): number => (vk * 1e6) / C.rateHz;
  const memAtInstall = proc.memory().usage;
  let late = 0;
  const lateLog: number[][] = [];
  let steps = 0;
  let faultAtUs = -1;
  /** a short circuit still to come (µs), or -1 */
  let faultAt = -1;
  let node: MeterNodeLike | undefined;
  let cmdFile: { read(n: number): string | undefined } | undefined;

  const reply = (o: unknown): void => USB.write('\x02XENG' + JSON.stringify(o) + '\x03');
  const readExactly = (n: number): string => {
    let s = '';
    while (s.length < n) {
      const got = (cmdFile as { read(n: number): string | undefined }).read(n - s.length);
      if (got === undefined || got.length === 0) throw new Error('cross: command pipe closed');
      s += got;
    }
    return s;
  };

  let cmd: NodeStep | undefined;
  let sent = 0;
  const finish = (): void => {
    const next = Math.min(sched.nextAt(), boundary());
    const r: StepReply = {
      t: sched.now(),
      next: faultAt >= 0 && faultAt < next ? faultAt : next,
      frames: outbox.splice(0, outbox.length),
      lines: [],
      late: late,
    };
    reply(r);
    setTimeout(serve, 0);
  };
  // one step: the air up to the next boundary (or the target), then the block at the boundary
  const turn = (): void => {
    const c = cmd as NodeStep;
    try {
      for (;;) {
        if (radio.irqPending()) {
          setTimeout(turn, 0); // the app's watch runs first
          return;
        }
        if (outbox.length > sent) break; // the chip started a transmission: the unit answers first
        const b = boundary();
        const a = sched.now();
        if (faultAt >= 0 && a >= faultAt) {
          // the short circuit: the comparator's edge fires the app's trip watch
          faultAtUs = a;
          faultAt = -1;
          S.edge(P.comparator, 1);
          continue;
        }
        if (a < b) {
          let lim = b < c.target ? b : c.target;
          if (faultAt >= 0 && faultAt < lim) lim = faultAt;
          if (a >= lim) break;
          const nx = sched.nextAt();
          sched.runUntil(nx <= lim ? nx : lim);
          continue;
        }
        if (b > c.target) break;
        // the app samples (b, b + block] at b: one block per event-loop turn
        const sampler = (node as MeterNodeLike).core.sampler;
        for (let k = 0; k < C.blockPairs; k++) {
          vk++;
          sampler.tick();
        }
        setTimeout(turn, 0);
        return;
      }
    } catch (e) {
      errors.push('step: ' + String(e) + ' ' + String((e as { stack?: string }).stack));
    }
    // a turn more, so zero-delay timers the app set in this step run inside it
    setTimeout(finish, 0);
  };

  const snapshot = (): Record<string, unknown> => {
    const n = node as MeterNodeLike;
    const L = global.meterLink as { stats: unknown; rejects: unknown; radio: { stats: unknown }; lastError: unknown } | undefined;
    return {
      state: n.state(),
      relayPin: S.level(P.relayMain),
      trips: n.trips().map((t) => t.reason),
      linkStatus: String(global.meterLinkStatus),
      link: L === undefined ? null : { stats: L.stats, rejects: L.rejects, radio: L.radio.stats, lastError: L.lastError },
      bus: radio.bus,
      chip: radio.chip.stats,
      air: airStats(world),
      mem: proc.memory(),
      memAtInstall: memAtInstall,
      steps: steps,
      late: late,
      lateLog: lateLog,
      faultAtUs: faultAtUs,
      virtualS: sched.now() / 1e6,
      blockUs: blockUs,
      errors: errors,
    };
  };

  const serve = (): void => {
    let o: { op: string } & Partial<NodeStep>;
    try {
      const n = parseInt(readExactly(8), 16);
      o = JSON.parse(readExactly(n)) as { op: string } & Partial<NodeStep>;
    } catch (e) {
      errors.push('serve: ' + String(e));
      reply({ error: String(e) });
      return;
    }
    if (o.op === 'quit') {
      (global.quit as () => void)();
      return;
    }
    if (o.op === 'result') {
      reply(snapshot());
      setTimeout(serve, 0);
      return;
    }
    const c = o as NodeStep;
    steps++;
    for (let i = 0; i < c.frames.length; i++) {
      const f = c.frames[i];
      if (f.e <= sched.now()) {
        late++;
        if (lateLog.length < 12) lateLog.push([f.s, f.e, sched.now(), f.ack ? 1 : 0, steps]);
      }
      world.medium.transmit({ id: REMOTE, x: C.remoteX, y: C.remoteY }, fromWire(f), f.e - f.s, f.s);
    }
    if (c.faultAt >= 0) faultAt = c.faultAt;
    cmd = c;
    sent = outbox.length;
    turn();
  };

  E.on('init', () => {
    // after the app's own init handler (registered later, by .bootcde)
    setTimeout(() => {
      node = global.meterNode as MeterNodeLike | undefined;
      if (node === undefined) {
        reply({ error: 'no meterNode after init', errors: errors });
        return;
      }
      node.core.sampler.stop();
      cmdFile = E.openFile(C.cmdFifo, 'r');
      reply({ ready: true, linkStatus: String(global.meterLinkStatus), next: boundary(), memAtInstall: memAtInstall });
      setTimeout(serve, 0);
    }, 0);
  });
}

install();
