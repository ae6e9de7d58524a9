// The nRF24L01+ and the air for the built Espruino upload in the REAL interpreter
// (tools/build/espruino/link-proof.ts). The Linux port has SPI1, but no bus behind it
// (SPI1.send returns 0xFF for every byte), so this stand-in, bundled for Espruino and run in
// `.boot1` before the app boots, puts the chip model (hal/sim/nrf24-chip.ts) behind the real
// API the app's provider uses (node-radio.ts: SPI1.setup/send, the CE write, the IRQ watch),
// and a peer control unit (the control unit's firmware, link-e2e.ts) on the same air.
// Virtual time: the air's scheduler follows the driver's getTime() (the sampled time) event by
// event, and pauses where the node's IRQ falls until the app's watch has run (`sync`).
// Runs ON Espruino (ES5 after bundle.ts), with node-radio.ts's polyfills.
import { Scheduler } from '../../../hal/sim/scheduler';
import { polyfill, wireNodeRadio, type NodeRadioPins, type Standin } from './node-radio';
import { AirWorld, PeerControlUnit, ackLines, airStats, firstReading, tripEvent, unhex, type LinkProofResult, type PeerNodeJson } from '../link-e2e';

declare const __LINK_FIXTURE__: { nodeId: number; nodes: PeerNodeJson[]; disconnect: string; reconnect: string; channel: number };
declare const __RADIO_PINS__: NodeRadioPins;
declare const global: Record<string, unknown>;
declare const getTime: () => number;

function install(): void {
  polyfill();
  const fx = __LINK_FIXTURE__;
  const P = __RADIO_PINS__;
  const S = global.__standin as Standin;
  const errors: string[] = [];
  const sched = new Scheduler({ startUs: 0 });
  const world = new AirWorld(sched, 7);
  // The air follows the app's clock event by event and stops where the node's IRQ falls, until
  // the app has run its watch (the next event-loop turn): so the app services its IRQ at once in
  // air time (a board's watch comes within about a millisecond), although the driver hands the
  // app whole 20 ms sample blocks (real.ts meterDriver).
  const STEP_US = 250;
  const sync = (): void => {
    const t = Math.floor(getTime() * 1e6);
    // in steps of at most STEP_US, and at once over stretches with no air event
    while (!radio.irqPending() && sched.now() < t) {
      const next = sched.nextAt();
      const step = sched.now() + STEP_US;
      sched.runUntil(next > t ? t : next > step ? next : step < t ? step : t);
    }
  };
  const radio = wireNodeRadio(world, P, S, errors, () => sync(), 4, 3); // sync(): the rest of the way to the app's time
  const bus = radio.bus;
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
