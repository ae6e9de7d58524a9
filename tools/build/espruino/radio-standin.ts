// The nRF24L01+ and the air for the built Espruino upload in the REAL interpreter
// (tools/build/espruino/link-proof.ts). The Linux port has SPI1, but no bus behind it
// (SPI1.send returns 0xFF for every byte), so this stand-in, bundled for Espruino and run in
// `.boot1` before the app boots, puts the chip model (hal/sim/nrf24-chip.ts) behind the real
// API the app's provider uses (hal/espruino/device.ts):
//   SPI1.setup(options)        records the bus settings (checked: sck/mosi/miso are the board's)
//   SPI1.send(data, nss)       Espruino's semantics: nss low around the transfer, returns a new
//                              Uint8Array of the bytes clocked in (espruino.com/Reference#l_SPI_send)
//   digitalWrite(radioCe, v)   drives the chip's CE (through the STANDINS' write hook)
//   the chip's IRQ line        falls -> the app's setWatch fires from the event loop
//                              (setTimeout 0, as Espruino queues a watch event), not inside
//                              the chip's own step
// and a peer control unit (the control unit's firmware, link-e2e.ts) on the same air.
// Virtual time: the air's scheduler follows the driver's getTime() (the sampled time) event by
// event, and pauses where the node's IRQ falls until the app's watch has run (`sync`).
// Runs ON Espruino (ES5 after bundle.ts): Map, Math.imul, Math.hypot, Number.isFinite, isNaN,
// Number.isInteger, Uint8Array.from and .of, which the
// simulator's scheduler, PRNG and pins use and Espruino 2v29 lacks, get small polyfills here
// (the app itself uses none of them).
import { Scheduler } from '../../../hal/sim/scheduler';
import { SimPin } from '../../../hal/sim/pin';
import type { SpiDevice } from '../../../hal/sim/peripherals';
import { AirWorld, PeerControlUnit, ackLines, airStats, firstReading, tripEvent, unhex, type LinkProofResult, type PeerNodeJson } from '../link-e2e';

declare const __LINK_FIXTURE__: { nodeId: number; nodes: PeerNodeJson[]; disconnect: string; reconnect: string; channel: number };
declare const __RADIO_PINS__: { spiSck: number; spiMosi: number; spiMiso: number; radioCs: number; radioCe: number; radioIrq: number; relayMain: number };
declare const global: Record<string, unknown>;
declare const getTime: () => number;
declare const SPI1: { setup(o: Record<string, number>): void; send(data: Uint8Array | number[], nss: number): Uint8Array };

interface Standin {
  edge(pin: number, level: number): number;
  level(pin: number): number;
  onWrite: Record<number, (v: number) => void>;
}

function polyfill(): void {
  const g = global;
  if (typeof Math.imul !== 'function') {
    (Math as unknown as Record<string, unknown>).imul = function (a: number, b: number): number {
      const ah = (a >>> 16) & 0xffff;
      const al = a & 0xffff;
      const bh = (b >>> 16) & 0xffff;
      const bl = b & 0xffff;
      return (al * bl + (((ah * bl + al * bh) << 16) >>> 0)) | 0;
    };
  }
  const M2 = Math as unknown as Record<string, unknown>;
  if (typeof M2.hypot !== 'function') M2.hypot = (x: number, y: number) => Math.sqrt(x * x + y * y);
  const U = Uint8Array as unknown as Record<string, unknown>;
  if (typeof U.from !== 'function') U.from = (a: ArrayLike<number>) => new Uint8Array(a as number[]);
  if (typeof U.of !== 'function') {
    U.of = function (): Uint8Array {
      const b = new Uint8Array(arguments.length);
      for (let i = 0; i < arguments.length; i++) b[i] = arguments[i] as number;
      return b;
    };
  }
  const N = Number as unknown as Record<string, unknown>;
  if (typeof N.isNaN !== 'function') N.isNaN = (v: unknown) => typeof v === 'number' && v !== v;
  if (typeof N.isFinite !== 'function') N.isFinite = (v: unknown) => typeof v === 'number' && v === v && v !== Infinity && v !== -Infinity;
  if (typeof N.isInteger !== 'function')
    N.isInteger = (v: unknown) => typeof v === 'number' && v === v && v !== Infinity && v !== -Infinity && Math.floor(v) === v;
  if (typeof g.Map === 'undefined') {
    // what the scheduler and SimTimer use: get, set, has, delete, size (number or string keys)
    const M = function (this: { o: Record<string, unknown>; size: number }) {
      this.o = {};
      this.size = 0;
    } as unknown as { prototype: Record<string, unknown> };
    M.prototype.get = function (this: { o: Record<string, unknown> }, k: unknown) {
      return this.o['#' + k];
    };
    M.prototype.has = function (this: { o: Record<string, unknown> }, k: unknown) {
      return this.o.hasOwnProperty('#' + k);
    };
    M.prototype.set = function (this: { o: Record<string, unknown>; size: number }, k: unknown, v: unknown) {
      if (!this.o.hasOwnProperty('#' + k)) this.size++;
      this.o['#' + k] = v;
      return this;
    };
    M.prototype.delete = function (this: { o: Record<string, unknown>; size: number }, k: unknown) {
      if (!this.o.hasOwnProperty('#' + k)) return false;
      delete this.o['#' + k];
      this.size--;
      return true;
    };
    g.Map = M;
  }
}

function install(): void {
  polyfill();
  const fx = __LINK_FIXTURE__;
  const P = __RADIO_PINS__;
  const S = global.__standin as Standin;
  const errors: string[] = [];
  const sched = new Scheduler({ startUs: 0 });
  const world = new AirWorld(sched, 7);
  const pins: Record<number, SimPin> = {};
  const pin = (n: number): SimPin => {
    if (pins[n] === undefined) pins[n] = new SimPin(n);
    return pins[n];
  };
  let chip: SpiDevice | undefined;
  // The air follows the app's clock event by event and stops where the node's IRQ falls, until
  // the app has run its watch (the next event-loop turn): so the app services its IRQ at once in
  // air time (a board's watch comes within about a millisecond), although the driver hands the
  // app whole 20 ms sample blocks (real.ts meterDriver).
  const STEP_US = 250;
  let irqPending = false;
  const sync = (): void => {
    const t = Math.floor(getTime() * 1e6);
    // in steps of at most STEP_US, and at once over stretches with no air event
    while (!irqPending && sched.now() < t) {
      const next = sched.nextAt();
      const step = sched.now() + STEP_US;
      sched.runUntil(next > t ? t : next > step ? next : step < t ? step : t);
    }
  };
  world.attachChip('node', { select: P.radioCs, ce: P.radioCe, irq: P.radioIrq }, pin, (_sel, d) => (chip = d), 4, 3);
  // the IRQ line: idle high (the chip drives it from power-on); a fall fires the app's watch
  // from the event loop
  S.edge(P.radioIrq, pin(P.radioIrq).level);
  pin(P.radioIrq).onChange((level: number) => {
    if (level === 0) irqPending = true;
    setTimeout(() => {
      try {
        S.edge(P.radioIrq, level);
      } catch (e) {
        // an exception out of the app's IRQ service, which Espruino would print to the
        // console (on LoopbackA here) and drop
        errors.push('irq service: ' + String(e) + ' ' + String((e as { stack?: string }).stack));
      }
      if (level === 0) {
        irqPending = false;
        sync(); // the rest of the way to the app's time
      }
    }, 0);
  });
  // SPI transfers and CE writes happen at the air's current time (it does not run ahead of
  // an IRQ the app has not serviced yet)
  S.onWrite[P.radioCe] = (v: number) => {
    pin(P.radioCe).set(v, 'app');
  };
  const bus = { setups: 0, transfers: 0, badSetup: '' };
  SPI1.setup = (o: Record<string, number>) => {
    bus.setups++;
    if (o.sck !== P.spiSck || o.mosi !== P.spiMosi || o.miso !== P.spiMiso) bus.badSetup = JSON.stringify(o);
  };
  SPI1.send = (data: Uint8Array | number[], nss: number): Uint8Array => {
    bus.transfers++;
    const b = new Uint8Array(data.length);
    for (let i = 0; i < data.length; i++) b[i] = data[i];
    // only the radio hangs on this bus; another chip select reads a floating MISO
    if (nss === P.radioCs && chip !== undefined) chip.transfer(b);
    else b.fill(0xff);
    return b;
  };
  const peer = new PeerControlUnit(world, fx.nodes, fx.nodeId, fx.channel, 0, 0);
  let faultAtUs = 0;
  const snaps: Record<string, { ack: string; state: string; relayPin: number; contactsClosed: boolean }> = {};
  const memAtInstall = (global.process as { memory(): { usage: number } }).memory().usage;
  global.__radio = {
    memAtInstall: memAtInstall,
    sync: sync,
    peer: peer,
    bus: bus,
    readings: () => peer.count('reading'),
    chips: () => world.chips.map((c) => ({ id: c.id, stats: c.stats })),
    send: (which: string) => {
      sync();
      const e = peer.send(fx.nodeId, unhex(which === 'disconnect' ? fx.disconnect : fx.reconnect));
      if (e !== '') errors.push(which + ': ' + e);
    },
    fault: () => {
      sync();
      // the air's time at the fault (the air may trail the app's clock by an unserviced IRQ)
      faultAtUs = sched.now();
    },
    snap: (name: string, n: number, state: string) => {
      const a = ackLines(peer);
      const relay = S.level(P.relayMain);
      snaps[name] = { ack: a.length >= n ? a[n - 1] : 'none', state: state, relayPin: relay, contactsClosed: relay === 1 };
    },
    result: (status: string): LinkProofResult => {
      let opened = 0;
      for (let i = 0; i < peer.forwards.length; i++) if (peer.forwards[i].kind !== 'alarm') opened++;
      const d = snaps.disconnect;
      const r = snaps.reconnect;
      return {
        engine: 'espruino',
        linkStatus: status,
        readings: peer.count('reading'),
        firstReading: firstReading(peer),
        sealedOpened: opened,
        trip: tripEvent(peer, faultAtUs),
        disconnect: d === undefined ? { ack: 'none', state: '', relayPin: -1, contactsClosed: true } : d,
        reconnect: r === undefined ? { ack: 'none', state: '', contactsClosed: false } : { ack: r.ack, state: r.state, contactsClosed: r.contactsClosed },
        peerRejects: peer.cu.log.total,
        air: airStats(world),
        errors: errors,
      };
    },
  };
}

install();
