// Runs INSIDE XS (xsnap), bundled by xs-pair-proof.ts with BOTH generated Moddable apps: the
// meter node's (build/moddable/esp32-devkitc-meter) and the control unit's
// (build/moddable/esp32-control-unit). Each app imports its own SDK stand-ins, one module
// instance per build (the bundler resolves by the importer's build folder):
//   - the meter node -> xs-sim.ts (its SimBoard: mains, relay, ADC, its flash);
//   - the control unit -> xs-cu-sim.ts (its pins, UART0 to the PC, UART2 to the R30x, its flash).
// Both stand-in sets run on ONE Scheduler: xs-sim.ts bootSim makes the node's SimBoard, whose
// scheduler xs-cu-sim.ts bootCuWorld takes for the unit's parts. One RfMedium (link-e2e.ts
// AirWorld) carries both nRF24 chip models: the node's on its board's radioCs/CE/IRQ, the
// unit's on its board's. Nothing of either side is host firmware here: both ends are builds.
//
//   node app -> xs-sim stand-ins -> SimBoard ----- Nrf24Chip ┐
//                                                           RfMedium     one Scheduler
//   CU app -> xs-cu-sim stand-ins -> CU pins/UARTs - Nrf24Chip ┘
//                                      UART0 <-> the "PC" (this file), UART2 <-> SimR30xChip
//
// Virtual time only; Date.now is the virtual clock plus xs-cu-sim's fixed epoch (the unit's
// time sync), Math.random a seeded PRNG (both apps see them; the node uses neither).
import type { BoardDescription } from '../../../boards/board';
import { bootSim } from './xs-sim';
import { bootCuWorld, EPOCH_MS, HOUSEHOLD_FINGER, READER_PASSWORD } from './xs-cu-sim';
import { AirWorld, airStats } from '../link-e2e';
import { SimR30xChip } from '../../../hal/sim/r30x-chip';
import { Prng } from '../../../hal/sim/prng';
import { nvsKey } from '../../../hal/moddable/nvs-key';

/** What the host hands in (JSON): both flashes from the real provisioning tool, the signed commands. */
export interface PairFixture {
  nodeId: number;
  /** the meter node's flash: store key -> bytes (tools/provision.ts image) */
  nodeImage: Record<string, number[]>;
  /** the control unit's flash (cu.prov from firmware/control/registry.ts) */
  cuImage: Record<string, number[]>;
  /** authority-signed disconnect and reconnect for the node, hex */
  disconnect: string;
  reconnect: string;
  /** how long to wait for the first reading and for each ack, virtual s (defaults 30 and 15) */
  readingWithinS?: number;
  ackWithinS?: number;
}

export interface PairResult {
  /** both apps' trace lines ("link on: ..." is the node's) */
  log: string[];
  /** every line the built control unit wrote on its PC link (UART0), in order */
  pcLines: string[];
  /** the first reading line the unit printed, parsed */
  reading: { node: number; vrms: number; irms: number; relay: string } | null;
  /** the unit's ack lines for the disconnect and the reconnect, and the node's relay after each */
  disconnect: { ack: string; ackAfterMs: number | null; nodeState: string; relayPin: number; contactsClosed: boolean };
  reconnect: { ack: string; ackAfterMs: number | null; nodeState: string; contactsClosed: boolean };
  /** the trip line the unit printed after a short circuit at the node, and its delay after onset */
  trip: { state: string; reason: string; latencyMs: number } | null;
  air: { transmitted: number; retransmits: number; acked: number; lost: number };
  /** one clock: virtual seconds at the end, the same for both apps */
  virtualS: number;
  errors: string[];
}

interface NodeLike {
  state(): string;
}

function toBytes(s: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) out.push(s.charCodeAt(i) & 0xff);
  return out;
}

function text(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]);
  return s;
}

/** Boot both builds on one air and one clock, then drive telemetry, disconnect, reconnect, trip. */
export function runPairScenario(
  nodeMain: () => unknown,
  cuMain: () => unknown,
  nodeBoard: BoardDescription,
  cuBoard: BoardDescription,
  fx: PairFixture,
  log: string[],
): PairResult {
  const errors: string[] = [];
  const s = bootSim(nodeBoard, 1, 10, false, fx.nodeImage);
  const sched = s.sched;
  const cu = bootCuWorld(cuBoard, sched, false);
  const air = new AirWorld(sched, 7);
  const np = nodeBoard.pins;
  const cp = cuBoard.pins as Record<string, number>;
  if (np.radioCs === undefined || np.radioCe === undefined || np.radioIrq === undefined) throw new Error(`board ${nodeBoard.name}: no radio pins`);
  // 6 m apart, as the unit's proof places its peer
  air.attachChip(
    'node',
    { select: np.radioCs, ce: np.radioCe, irq: np.radioIrq },
    (n) => s.digitalPin(n),
    (sel, d) => s.attachSpi(sel, d),
    0,
    0,
  );
  air.attachChip(
    'control',
    { select: cp.radioCs, ce: cp.radioCe, irq: cp.radioIrq },
    (n) => cu.wiring.pin(n),
    (sel, d) => cu.spi.set(sel, d),
    6,
    0,
  );
  const reader = new SimR30xChip({ sched, uart: cu.wiring.uart(2), password: READER_PASSWORD });
  reader.preload(0, HOUSEHOLD_FINGER);
  const usb = cu.wiring.uart(0);
  for (const k of Object.keys(fx.cuImage)) cu.prefs['meter/' + nvsKey(k)] = Uint8Array.from(fx.cuImage[k]).buffer;
  const prng = new Prng(3);
  const dateNow = Date.now;
  const random = Math.random;
  Date.now = () => EPOCH_MS + Math.floor(sched.now() / 1000);
  Math.random = () => prng.next();
  try {
    const node = nodeMain() as NodeLike;
    cuMain();
    const pcLines: string[] = [];
    let partial = '';
    const drain = (): void => {
      partial += text(usb.hostRead());
      let k = partial.indexOf('\n');
      while (k >= 0) {
        pcLines.push(partial.substring(0, k));
        partial = partial.substring(k + 1);
        k = partial.indexOf('\n');
      }
    };
    const runFor = (us: number): void => {
      const end = sched.now() + us;
      while (sched.now() < end) {
        s.runUntil(Math.min(end, sched.now() + 50e3));
        drain();
      }
    };
    /** run until a PC-link line from index `from` on matches (or maxUs passes) */
    const waitLine = (re: RegExp, maxUs: number, from = pcLines.length): string | undefined => {
      const end = sched.now() + maxUs;
      while (sched.now() < end) {
        runFor(50e3);
        for (let i = from; i < pcLines.length; i++) if (re.test(pcLines[i])) return pcLines[i];
      }
      return undefined;
    };
    const send = (line: string): void => usb.hostWrite(toBytes(line + '\n'));
    // 1. sealed telemetry: the node reports every 10 s (firmware/app/node-link.ts); 30 s covers the first
    const readingS = fx.readingWithinS === undefined ? 30 : fx.readingWithinS;
    const ackS = fx.ackWithinS === undefined ? 15 : fx.ackWithinS;
    const readingLine = waitLine(/"type":"reading"/, readingS * 1e6);
    let reading: PairResult['reading'] = null;
    if (readingLine === undefined) errors.push(`no reading on the PC link in ${readingS} s`);
    else {
      const o = JSON.parse(readingLine) as { node: number; V: number; I: number; relay: string };
      reading = { node: o.node, vrms: o.V, irms: o.I, relay: o.relay };
    }
    runFor(500e3);
    // 2. the utility's disconnect, signed offline, in on the PC link; over the air; obeyed; acked
    const ackOf = (l: string | undefined): string => {
      if (l === undefined) return 'none';
      const o = JSON.parse(l) as { code: number; result: string; reason: string };
      return o.code + ':' + o.result + (o.reason === '' || o.reason === undefined ? '' : ':' + o.reason);
    };
    /** a command line on the PC link; the unit's reply, then the node's ack; how long the ack took */
    const command = (id: number, hexCmd: string): { ack: string; ackAfterMs: number | null } => {
      const from = pcLines.length;
      const sentUs = sched.now();
      send(`{"v":1,"id":${id},"cmd":"command","role":"utility","node":${fx.nodeId},"hex":"${hexCmd}"}`);
      const reply = waitLine(new RegExp(`"type":"reply","id":${id},`), 1e6, from);
      if (reply === undefined || !/"ok":true/.test(reply)) errors.push(`command ${id} refused on the PC link: ${String(reply)}`);
      const ack = waitLine(new RegExp(`"type":"ack".*"seq":${id}[,}]`), ackS * 1e6, from);
      if (ack === undefined) errors.push(`command ${id}: no ack on the PC link in ${ackS} s`);
      return { ack: ackOf(ack), ackAfterMs: ack === undefined ? null : ((JSON.parse(ack) as { t: number }).t - sentUs) / 1000 };
    };
    const d = command(1, fx.disconnect);
    runFor(500e3);
    const disconnect = {
      ack: d.ack,
      ackAfterMs: d.ackAfterMs,
      nodeState: node.state(),
      relayPin: s.digitalPin(np.relayMain).level,
      contactsClosed: s.relays.main.contactsClosed(),
    };
    // 3. the reconnect, the same way
    const r = command(2, fx.reconnect);
    runFor(1e6);
    const reconnect = { ack: r.ack, ackAfterMs: r.ackAfterMs, nodeState: node.state(), contactsClosed: s.relays.main.contactsClosed() };
    // 4. a short circuit at the node: it trips within a cycle and the trip event reaches the PC
    const at = sched.now() + 3300;
    s.inject({ kind: 'shortCircuit', atUs: at, prospectiveA: 300, durationUs: 30e3 });
    const tripLine = waitLine(/"type":"trip"/, 3e6, pcLines.length);
    let trip: PairResult['trip'] = null;
    if (tripLine !== undefined) {
      const o = JSON.parse(tripLine) as { t: number; state: string; reason: string };
      trip = { state: o.state, reason: o.reason, latencyMs: (o.t - at) / 1000 };
    } else errors.push('no trip line on the PC link within 3 s of the short circuit');
    drain();
    return { log: log.slice(), pcLines, reading, disconnect, reconnect, trip, air: airStats(air), virtualS: sched.now() / 1e6, errors };
  } finally {
    Date.now = dateNow;
    Math.random = random;
  }
}
