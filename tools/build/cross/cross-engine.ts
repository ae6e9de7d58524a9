// Two engines, two processes, one air (issue 7 item 2, the last pair): the BUILT Espruino meter
// node (app.js in the real Espruino 2v29 interpreter for Linux) and the BUILT Moddable control
// unit (its generated modules in XS, xsnap-worker). Each engine runs its app over its own
// simulated device (real.ts STANDINS + espruino-node.ts; xs-cu-sim.ts + xs-unit.ts) with its own
// nRF24L01+ chip model (hal/sim/nrf24-chip.ts) on its own copy of the air (link-e2e.ts
// AirWorld); this coordinator owns the clock and carries every transmission from one air to
// the other, with its start and end times, in lock-step virtual time.
//
// Why lock-step, and how far a side may run. Enhanced ShockBurst wants the receiver's ACK
// within the sender's retransmit delay (ARD 500 µs, firmware/app/start.ts), and the ACK is
// sent by the receiving CHIP from its registers (nrf24-chip.ts sendAck, 130 µs after the
// packet), so both chips must see the air at the same virtual times. Conservative rule
// (Chandy-Misra-Bryant with lookahead): anything a side puts on the air is at least
// LOOKAHEAD_US in flight (the shortest frame, an ACK, lasts 36.5 µs at 2 Mbit/s, and it starts
// 130 µs after its cause), so
//   - a side may run to  min(other side's next event, frames on their way to it) + LOOKAHEAD_US;
//   - a side stops right after its chip starts a transmission, so the other side answers it
//     (its ACK, its reply) before the sender runs past the answer.
// The sides step in turn (node, then unit). Each reply says where the side is, its next
// pending event (it does nothing on its own before it) and the frames its chip put on the air.
// A frame that arrives at a side that has already passed its end time is counted as late on
// that side: the proof requires none.
//
// Channels: xsnap's own protocol (evaluate + issueCommand, tools/engines/xsnap.ts); Espruino
// reads commands from a named pipe (espruino-node.ts says why) and answers on stdout.
//
// CLI: npx tsx tools/build/cross/cross-engine.ts   (prints JSON; CROSS_TRACE=1 prints every step on stderr)
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, write, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadBoard, type Board } from '../../../boards/schema';
import { boardForUpload, buildEspruino } from '../espruino';
import { bundleForEspruino } from '../espruino/bundle';
import { EspruinoFlash, STANDINS, espruinoBinary, espruinoMissing, meterDriver } from '../espruino/real';
import { buildModdableWith } from '../moddable';
import { bundleBuild } from '../moddable/xs-proof';
import { stubBuiltins } from '../moddable/xs-cu-proof';
import { pairFixture } from '../moddable/xs-pair-proof';
import { XSNAP_BINARY, XsWorker } from '../../engines/xsnap';
import type { NodeStep, StepReply, UnitStep, WireFrame } from './wire';
import { isEntry } from '../../cli';

const HERE = dirname(fileURLToPath(import.meta.url));
export const NODE_BOARD = 'espruino-esp32-wroom';
export const UNIT_BOARD = 'esp32-control-unit';
/** µs: the shortest time from a cause to its frame's end on the other air (an ACK's 36.5 µs airtime) */
export const LOOKAHEAD_US = 36;
/** where the chips stand (m): the node at the origin, the unit 6 m away (as xs-pair-sim.ts places them) */
const NODE_XY = [0, 0];
/**
 * µs from the node's IRQ edge to its watch in air time (espruino-node.ts): Espruino queues the
 * GPIO event and runs the watch from its idle loop; on an ESP32 that, and the first SPI
 * transfer of the service, take a few hundred µs (an assumption of this model, not a measurement).
 */
export const IRQ_LATENCY_US = 250;
/** µs: the longest step, so the scenario looks at the PC link at least this often */
const MAX_STEP_US = 50e3;
const UNIT_XY = [6, 0];

export interface CrossReport {
  delivered: boolean;
  linkStatus: string;
  /** the unit's first reading line from the node, parsed */
  reading: { node: number; vrms: number; irms: number; relay: string } | null;
  /** the unit's trip line after the short circuit at the node; latency from the fault (virtual) */
  trip: { state: string; reason: string; latencyMs: number } | null;
  /** the signed disconnect from the unit's PC link: the unit's ack line, the node after it */
  disconnect: { ack: string; ackAfterMs: number | null; nodeState: string; relayPin: number };
  /** a captured telemetry frame replayed and a forged one (another counter, the old tag), sent to the unit: what its PC link said */
  attacks: {
    replayed: number;
    forged: number;
    alarmLines: string[];
    readingsAfter: number;
    /** the unit's security log after them (firmware/control/security-log.ts): refusals in all, by reason */
    refusals: { total: number; byReason: Record<string, number> } | null;
    /** its total just before the attacker's two frames */
    refusalsBefore: number;
  };
  /** lines the unit wrote on its PC link, in order (first 60) */
  pcLines: string[];
  air: { node: unknown; unit: unknown };
  /** frames that arrived at a side already past their end: the lock-step's own check (0) */
  late: { node: number; unit: number };
  cost: {
    virtualS: number;
    wallS: number;
    /** step commands answered by each engine */
    roundTrips: { node: number; unit: number };
    /** XS compute meter over the unit's boot and every step */
    unitComputrons: number;
    /** process.memory() of the Linux interpreter at the end (app + stand-ins + chip model), and after the stand-ins alone */
    espruinoVars: { usage: number; total: number; standins: number };
    /** wall seconds of the node step that verified the disconnect's signature (tweetnacl in Espruino) */
    longestNodeStepS: number;
    /** wall seconds: building both apps and booting both engines; all node steps; all unit steps */
    setupS: number;
    nodeStepsS: number;
    unitStepsS: number;
  };
  node: Record<string, unknown>;
  unitEnd: unknown;
  errors: string[];
}

/** The Espruino interpreter as a stepped process: commands into the pipe, replies off stdout. */
class EspruinoSide {
  private out = '';
  private waiting: ((s: string) => void) | undefined;
  private readonly replies: string[] = [];
  private exited = '';
  readonly stdoutTail: string[] = [];
  constructor(
    private readonly child: ChildProcess,
    private readonly fd: number,
  ) {
    child.stdout?.on('data', (d: Buffer) => {
      this.out += d.toString('latin1');
      for (let a = this.out.indexOf('\x02XENG'); a >= 0; a = this.out.indexOf('\x02XENG')) {
        const b = this.out.indexOf('\x03', a);
        if (b < 0) break;
        if (a > 0) this.keep(this.out.slice(0, a));
        this.replies.push(this.out.slice(a + 5, b));
        this.out = this.out.slice(b + 1);
      }
      this.pump();
    });
    child.on('exit', (code) => {
      this.exited = `espruino-linux exited (${code}); stdout: ${this.out.slice(-1500)}`;
      this.pump();
    });
  }
  private keep(s: string): void {
    this.stdoutTail.push(s);
    if (this.stdoutTail.length > 20) this.stdoutTail.shift();
  }
  private pump(): void {
    if (this.waiting === undefined) return;
    if (this.replies.length > 0) {
      const w = this.waiting;
      this.waiting = undefined;
      w(this.replies.shift() as string);
    } else if (this.exited !== '') {
      const w = this.waiting;
      this.waiting = undefined;
      w(JSON.stringify({ error: this.exited }));
    }
  }
  next<T>(timeoutMs: number): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting = undefined;
        reject(new Error(`espruino-linux: no reply in ${timeoutMs} ms; stdout: ${this.out.slice(-1500)}`));
      }, timeoutMs);
      this.waiting = (s) => {
        clearTimeout(timer);
        const o = JSON.parse(s) as T & { error?: string };
        if (o.error !== undefined && (o as { ready?: boolean }).ready === undefined) reject(new Error(`espruino side: ${o.error}`));
        else resolve(o);
      };
      this.pump();
    });
  }
  ask<T>(o: unknown, timeoutMs: number): Promise<T> {
    const s = JSON.stringify(o);
    const b = Buffer.from(s.length.toString(16).padStart(8, '0') + s, 'latin1');
    write(this.fd, b, () => undefined);
    return this.next<T>(timeoutMs);
  }
  kill(): void {
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
  }
}

function ackOf(l: string | undefined): string {
  if (l === undefined) return 'none';
  const o = JSON.parse(l) as { code: number; result: string; reason?: string };
  return o.code + ':' + o.result + (o.reason === '' || o.reason === undefined ? '' : ':' + o.reason);
}

/** Build both apps, boot them in their engines and run the scenario. */
export async function runCrossEngineProof(o: { stepTimeoutMs?: number } = {}): Promise<CrossReport> {
  const t0 = Date.now();
  const stepTimeoutMs = o.stepTimeoutMs ?? 600000;
  const nodeBoard: Board = loadBoard(NODE_BOARD);
  const unitBoard: Board = loadBoard(UNIT_BOARD);
  const root = mkdtempSync(join(tmpdir(), 'cross-engine-'));
  const flash = new EspruinoFlash('linux');
  let xs: XsWorker | undefined;
  let esp: EspruinoSide | undefined;
  let fd = -1;
  try {
    const espDir = join(root, 'espruino');
    const cuDir = join(root, 'cu');
    const built = await buildEspruino(nodeBoard, espDir);
    await buildModdableWith(unitBoard, cuDir, { mcconfig: false });
    const fx = pairFixture({ nodeBoard: NODE_BOARD });

    // ---- the unit in XS ----
    const bundle = await bundleBuild(cuDir, join(HERE, 'xs-unit.ts'), [stubBuiltins]);
    let unitReply: unknown;
    xs = await XsWorker.start({ name: 'cross-engine-unit' });
    xs.onCommand((bytes) => {
      unitReply = JSON.parse(Buffer.from(bytes).toString('latin1'));
      return new Uint8Array(0);
    });
    let computrons = 0;
    await xs.evaluate('globalThis.proofLog = []; globalThis.trace = (s) => { globalThis.proofLog.push(String(s).replace(/\\n$/, "")); };');
    computrons += (await xs.evaluate(bundle.code)).compute;
    const unitFx = { cuImage: fx.cuImage, remoteX: NODE_XY[0], remoteY: NODE_XY[1] };
    computrons += (
      await xs.evaluate(`ModdableProof.runScenario(ModdableProof.main, ${JSON.stringify(unitBoard)}, ${JSON.stringify(unitFx)}, globalThis.proofLog)`)
    ).compute;
    const unitCall = async <T>(js: string): Promise<T> => {
      unitReply = undefined;
      computrons += (await (xs as XsWorker).evaluate(js)).compute;
      if (unitReply === undefined) throw new Error(`XS unit: no reply to ${js.slice(0, 80)}`);
      return unitReply as T;
    };

    // ---- the node in Espruino ----
    const p = nodeBoard.pins;
    const pins = {
      spiSck: p.spiSck,
      spiMosi: p.spiMosi,
      spiMiso: p.spiMiso,
      radioCs: p.radioCs,
      radioCe: p.radioCe,
      radioIrq: p.radioIrq,
      relayMain: p.relayMain,
      comparator: p.comparator,
    };
    for (const [k, v] of Object.entries(pins)) if (v === undefined) throw new Error(`board ${nodeBoard.name}: no pin ${k}`);
    const fifo = join(flash.dir, 'cmd.fifo');
    const side = await bundleForEspruino({
      entry: join(HERE, 'espruino-node.ts'),
      define: {
        __CROSS__: JSON.stringify({
          pins,
          irqLatencyUs: IRQ_LATENCY_US,
          rateHz: nodeBoard.adc.rateHz,
          blockPairs: nodeBoard.adc.blockPairs,
          cmdFifo: 'cmd.fifo',
          remoteX: UNIT_XY[0],
          remoteY: UNIT_XY[1],
        }),
      },
      fileName: 'cross-node.js',
      polyfilled: ['Map'],
    });
    writeFileSync(join(flash.dir, 'cross-node.js'), side.code);
    const files: Record<string, string | Uint8Array> = {
      // like link-proof.ts: the stand-ins are read from the working folder into RAM
      '.boot0': STANDINS + '\neval(require("fs").readFileSync("cross-node.js"));\n',
      '.bootcde': readFileSync(join(built.outDir, 'app.js'), 'utf8'),
      '.boot1': meterDriver(boardForUpload(nodeBoard), [], { irms: 10, drive: false }),
    };
    for (const k of Object.keys(fx.nodeImage)) files[k] = Uint8Array.from(fx.nodeImage[k]);
    await flash.write(files);
    execFileSync('mkfifo', [fifo]);
    // read-write: the open does not wait for the reader, and the interpreter's open finds a writer
    fd = openSync(fifo, 'r+');
    const child = spawn(espruinoBinary('linux'), [], { cwd: flash.dir, stdio: ['ignore', 'pipe', 'pipe'] });
    esp = new EspruinoSide(child, fd);
    const ready = await esp.next<{ ready?: boolean; error?: string; linkStatus: string; next: number; memAtInstall: number }>(120000);
    if (ready.ready !== true) throw new Error(`the Espruino node did not boot: ${JSON.stringify(ready)}`);

    // ---- lock-step ----
    const errors: string[] = [];
    const N: { t: number; next: number | null; late: number } = { t: 0, next: ready.next, late: 0 };
    const U: { t: number; next: number | null; late: number } = { t: 0, next: 0, late: 0 };
    let toNode: WireFrame[] = [];
    let toUnit: WireFrame[] = [];
    const trips = { node: 0, unit: 0 };
    const pcLines: string[] = [];
    const pcOut: string[] = [];
    const unitFrames: WireFrame[] = [];
    const nodeFrames: WireFrame[] = [];
    let fault = false;
    /** where both sides are: an outside event (fault, PC line, attacker frame) goes no earlier */
    const both = (): number => Math.max(N.t, U.t);
    let longestNodeStepS = 0;
    let nodeStepsS = 0;
    let unitStepsS = 0;
    const setupS = (Date.now() - t0) / 1000;
    const earliest = (fs: WireFrame[]): number => fs.reduce((m, f) => Math.min(m, f.e), Infinity);
    const round = async (): Promise<void> => {
      // JSON carries Infinity (nothing pending) as null
      const nodeTarget = Math.min(U.next ?? Infinity, earliest(toUnit), N.t + MAX_STEP_US) + LOOKAHEAD_US;
      const ns: NodeStep = { target: Math.max(nodeTarget, N.t), frames: toNode, faultAt: fault ? both() : -1 };
      toNode = [];
      fault = false;
      const w = Date.now();
      const nr = await (esp as EspruinoSide).ask<StepReply>({ op: 'step', ...ns }, stepTimeoutMs);
      if (process.env.CROSS_TRACE)
        console.error(
          'N',
          trips.node,
          JSON.stringify(ns.target),
          ns.frames.map((f) => [f.s, f.e, f.ack]),
          '->',
          nr.t,
          nr.next,
          nr.frames.map((f) => [f.s, f.e, f.ack]),
          nr.late,
        );
      longestNodeStepS = Math.max(longestNodeStepS, (Date.now() - w) / 1000);
      nodeStepsS += (Date.now() - w) / 1000;
      trips.node++;
      N.t = nr.t;
      N.next = nr.next;
      N.late = nr.late;
      toUnit.push(...nr.frames);
      nodeFrames.push(...nr.frames);
      const unitTarget = Math.min(N.next ?? Infinity, earliest(toNode), U.t + MAX_STEP_US) + LOOKAHEAD_US;
      const us: UnitStep = { target: Math.max(unitTarget, U.t), frames: toUnit, pc: pcOut.splice(0, pcOut.length), pcAt: both() };
      toUnit = [];
      const wu = Date.now();
      const ur = await unitCall<StepReply>(`crossUnit.step(${JSON.stringify(us)})`);
      unitStepsS += (Date.now() - wu) / 1000;
      if (process.env.CROSS_TRACE)
        console.error(
          'U',
          trips.unit,
          JSON.stringify(us.target),
          us.frames.map((f) => [f.s, f.e, f.ack]),
          '->',
          ur.t,
          ur.next,
          ur.frames.map((f) => [f.s, f.e, f.ack]),
          ur.late,
        );
      trips.unit++;
      U.t = ur.t;
      U.next = ur.next;
      U.late = ur.late;
      toNode.push(...ur.frames);
      unitFrames.push(...ur.frames);
      pcLines.push(...ur.lines);
    };
    const now = (): number => Math.min(N.t, U.t);
    const waitLine = async (re: RegExp, withinUs: number, from = pcLines.length): Promise<string | undefined> => {
      const end = now() + withinUs;
      while (now() < end) {
        await round();
        for (let i = from; i < pcLines.length; i++) if (re.test(pcLines[i])) return pcLines[i];
      }
      return undefined;
    };
    const runFor = async (us: number): Promise<void> => {
      const end = now() + us;
      while (now() < end) await round();
    };

    // 1. sealed telemetry: the node reports every 10 s (firmware/app/node-link.ts)
    const readingLine = await waitLine(/"type":"reading"/, 15e6);
    let reading: CrossReport['reading'] = null;
    if (readingLine === undefined) errors.push('no reading on the unit PC link in 15 s');
    else {
      const r = JSON.parse(readingLine) as { node: number; V: number; I: number; relay: string };
      reading = { node: r.node, vrms: r.V, irms: r.I, relay: r.relay };
    }
    await runFor(200e3);
    // 2. replayed and forged: the first telemetry frame the node sent, again (a new ESB packet
    // id, so the unit's chip takes it), and once more with another frame counter
    const readingsBefore = pcLines.filter((l) => /"type":"reading"/.test(l)).length;
    const fromAlarms = pcLines.length;
    const before = await unitCall<{ refusals: { total: number } | null }>('crossUnit.result()');
    const captured = nodeFrames.find((f) => !f.ack && f.p.length > 40);
    let replayed = 0;
    let forged = 0;
    if (captured !== undefined) {
      const at = both() + 2000;
      const air = captured.e - captured.s;
      toUnit.push({ ...captured, s: at, e: at + air, pid: (captured.pid + 1) & 3, noAck: true });
      replayed++;
      // forged: the frame counter's top byte changed (a counter the unit has not seen) and the
      // tag left as it was: only the tag check can refuse it
      const bad = captured.p.slice(0, 10) + ((parseInt(captured.p.slice(10, 12), 16) ^ 0x40) | 0x100).toString(16).slice(1) + captured.p.slice(12);
      toUnit.push({ ...captured, p: bad, s: at + 3000, e: at + 3000 + air, pid: (captured.pid + 2) & 3, noAck: true });
      forged++;
    } else errors.push('no sealed frame from the node to replay');
    await runFor(1.5e6);
    const readingsAfter = pcLines.filter((l) => /"type":"reading"/.test(l)).length - readingsBefore;
    const alarmLines = pcLines.slice(fromAlarms).filter((l) => /alarm|reject|refus|security/i.test(l));
    const afterAttacks = await unitCall<{ refusals: { total: number; byReason: Record<string, number> } | null }>('crossUnit.result()');
    // 3. a short circuit at the node: the comparator trips it; the trip event reaches the PC
    fault = true;
    const faultFrom = pcLines.length;
    const tripLine = await waitLine(/"type":"trip"/, 3e6, faultFrom);
    let trip: CrossReport['trip'] = null;
    if (tripLine === undefined) errors.push('no trip line on the unit PC link within 3 s of the short circuit');
    else {
      const r = JSON.parse(tripLine) as { t: number; state: string; reason: string };
      const nodeNow = await esp.ask<{ faultAtUs: number }>({ op: 'result' }, 60000);
      trip = { state: r.state, reason: r.reason, latencyMs: (r.t - nodeNow.faultAtUs) / 1000 };
    }
    await runFor(300e3);
    // 4. the utility's disconnect, signed offline, in on the unit's PC link; over the air; the
    // node verifies the signature (tweetnacl, in Espruino), obeys and acks
    const cmdFrom = pcLines.length;
    const sentUs = both();
    pcOut.push(`{"v":1,"id":1,"cmd":"command","role":"utility","node":${fx.nodeId},"hex":"${fx.disconnect}"}`);
    const reply = await waitLine(/"type":"reply","id":1,/, 1e6, cmdFrom);
    if (reply === undefined || !/"ok":true/.test(reply)) errors.push(`the disconnect was refused on the PC link: ${String(reply)}`);
    const ack = await waitLine(/"type":"ack".*"seq":1[,}]/, 15e6, cmdFrom);
    if (ack === undefined) errors.push('no ack of the disconnect on the unit PC link in 15 s');
    await runFor(300e3);
    const node = await esp.ask<Record<string, unknown>>({ op: 'result' }, 60000);
    const unitEnd = await unitCall<{ air: unknown; chip: unknown; late: number; virtualS: number; log: string[] }>('crossUnit.result()');
    const late = { node: node.late as number, unit: unitEnd.late };
    if (late.node + late.unit > 0) errors.push(`lock-step broken: ${late.node} frame(s) late at the node, ${late.unit} at the unit`);
    const nodeErrors = node.errors as string[];
    for (const e of nodeErrors) errors.push('node: ' + e);
    const mem = node.mem as { usage: number; total: number };
    const disconnect = {
      ack: ackOf(ack),
      ackAfterMs: ack === undefined ? null : ((JSON.parse(ack) as { t: number }).t - sentUs) / 1000,
      nodeState: node.state as string,
      relayPin: node.relayPin as number,
    };
    const out: CrossReport = {
      delivered: false,
      linkStatus: ready.linkStatus,
      reading,
      trip,
      disconnect,
      attacks: {
        replayed,
        forged,
        alarmLines,
        readingsAfter,
        refusals: afterAttacks.refusals,
        refusalsBefore: before.refusals === null ? -1 : before.refusals.total,
      },
      pcLines: pcLines.slice(0, 60),
      air: { node: node.air, unit: unitEnd.air },
      unitEnd,
      late,
      cost: {
        virtualS: now() / 1e6,
        wallS: (Date.now() - t0) / 1000,
        roundTrips: trips,
        unitComputrons: computrons,
        espruinoVars: { usage: mem.usage, total: mem.total, standins: ready.memAtInstall },
        longestNodeStepS,
        setupS,
        nodeStepsS: Math.round(nodeStepsS * 10) / 10,
        unitStepsS: Math.round(unitStepsS * 10) / 10,
      },
      node,
      errors,
    };
    out.delivered = crossDelivered(out);
    await esp.ask({ op: 'quit' }, 5000).catch(() => undefined);
    return out;
  } finally {
    esp?.kill();
    if (fd >= 0) closeSync(fd);
    if (xs !== undefined) await xs.close();
    flash.close();
    rmSync(root, { recursive: true, force: true });
  }
}

/** Did the two engines deliver: reading opened, trip shown, disconnect obeyed and acked, lock-step kept, no errors. */
export function crossDelivered(r: CrossReport): boolean {
  return (
    r.errors.length === 0 &&
    r.reading !== null &&
    r.trip !== null &&
    r.disconnect.ack === '1:done' &&
    r.disconnect.relayPin === 0 &&
    r.late.node === 0 &&
    r.late.unit === 0
  );
}

/** Why the proof cannot run here (an engine missing), or undefined. */
export function crossEngineMissing(): string | undefined {
  const e = espruinoMissing('linux');
  if (e !== undefined) return e;
  if (!existsSync(XSNAP_BINARY)) return `xsnap-worker not built at ${XSNAP_BINARY} (npm ci; @agoric/xsnap's build script)`;
  return undefined;
}

if (isEntry(import.meta.url)) {
  void runCrossEngineProof().then((r) => console.log(JSON.stringify(r, null, 2)));
}

/** `npm run bench`: the cross-engine proof once; its figures, or why it was skipped. No wall time (noisy). */
export interface CrossBench {
  /** ran and delivered in this run (link.built_targets gets 'espruino->control-unit(moddable)') */
  delivered: boolean;
  virtual_s: number | null;
  /** step commands: node (Espruino) + unit (XS) */
  round_trips: number | null;
  /** XS compute meter of the unit side (boot + every step) */
  unit_computrons: number | null;
  /** process.memory().usage of the Linux interpreter at the end (app + stand-ins + chip model) */
  espruino_vars: number | null;
  skipped?: string;
}

export async function crossEngineBench(): Promise<CrossBench> {
  const miss = crossEngineMissing();
  if (miss !== undefined) return { delivered: false, virtual_s: null, round_trips: null, unit_computrons: null, espruino_vars: null, skipped: miss };
  const r = await runCrossEngineProof();
  return {
    delivered: r.delivered,
    virtual_s: Math.round(r.cost.virtualS * 1000) / 1000,
    round_trips: r.cost.roundTrips.node + r.cost.roundTrips.unit,
    unit_computrons: r.cost.unitComputrons,
    espruino_vars: r.cost.espruinoVars.usage,
  };
}
