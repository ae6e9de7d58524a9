// Security figures for `npm run bench` (issue 12): the anomaly detector under a flood at
// the nRF24 airtime limit, stale signed commands, and the latched trip across power cuts.
// Virtual time only; XS cost from xsnap's compute meter.
//
//   npx tsx tools/bench/security.ts        (prints the JSON object)
import { fileURLToPath } from 'node:url';
import nacl from 'tweetnacl';
import { measureXs } from '../engines/run';
import { AnomalyDetector, defaultAnomalyOptions } from '../../firmware/control/anomaly';
import { SecurityLog } from '../../firmware/control/security-log';
import { CMD_DISCONNECT, CommandGuard, encodeCommand, newCommand } from '../../firmware/link/command';
import { MeterNode } from '../../firmware/app/meter-node';
import { SimBoard } from '../../hal/sim/board';
import { PowerCut, SimStore } from '../../hal/sim/store';
import { loadBoard } from '../../boards/schema';
import { isEntry } from '../cli';

const ENTRY = fileURLToPath(new URL('../../firmware/link/parity-entry.ts', import.meta.url));
const NOBLE_ENTRY = fileURLToPath(new URL('../../firmware/link/noble-entry.ts', import.meta.url));

/** nRF24 at 2 Mbit/s: ~300 µs per frame (130 µs settling + 41 bytes on air): docs/LINK.md */
export const FLOOD_FRAMES_PER_S = 3300;

export interface SecurityFigures {
  anomaly_entries_max_under_flood: number;
  security_log_entries_max_under_flood: number;
  stale_commands_accepted: number;
  stale_commands_tried: number;
  latch_cut_points: number;
  latch_cut_points_reclosed: number;
  computrons_anomaly_per_reject: number;
  computrons_ratelimit_reject_path: number;
  /** the strict Ed25519 verify of an 80-byte message, by build: noble on Moddable (XS has BigInt), tweetnacl on Espruino (measured in XS, for scale) */
  computrons_verify_sig: { moddable: number; espruino: number };
  /** the first verify after boot (verifyStrictNoble builds no base-point table: the same as a later one; tools/bench/noble-first.ts has the options) */
  computrons_verify_sig_moddable_first: number;
}

/** A minute of forged frames at the airtime limit into the control unit's detector and log. */
export function floodEntries(seconds = 60): { anomaly: number; log: number; alarms: number } {
  const a = new AnomalyDetector(defaultAnomalyOptions(10));
  const log = new SecurityLog(512);
  for (let id = 1; id <= 3; id++) a.watch(id, 0);
  const step = 1e6 / FLOOD_FRAMES_PER_S;
  let maxA = 0;
  let maxL = 0;
  const n = Math.round(seconds * FLOOD_FRAMES_PER_S);
  for (let i = 0; i < n; i++) {
    const t = i * step;
    const node = 1 + (i % 3);
    const reason = i % 5 === 0 ? 'tag' : 'ratelimit';
    log.addAir(t, node, reason);
    a.onReject(node, reason, t);
    if (i % 97 === 0) {
      maxA = Math.max(maxA, a.entries());
      maxL = Math.max(maxL, log.size());
    }
  }
  return { anomaly: Math.max(maxA, a.entries()), log: Math.max(maxL, log.size()), alarms: a.alarms.length };
}

/**
 * Captures a head-end could hold: a disconnect signed for the node before it was
 * re-provisioned, one signed a year ago, and one for another node. Returns how many of
 * them the node's command policy accepted (must be 0).
 */
export function staleCommands(): { tried: number; accepted: number; reasons: string[] } {
  const authority = nacl.sign.keyPair.fromSeed(new Uint8Array(32).fill(1));
  const provBefore = 1_760_000_000;
  const provNow = 1_790_000_000;
  const nowS = provNow + 30 * 86400;
  const clock = { now: () => 0 };
  const g = new CommandGuard({
    nodeId: 7,
    authorityPublic: authority.publicKey,
    store: new SimStore(),
    clock,
    target: { openBySafety: () => false, wallS: () => nowS },
    maxDangerous: 20,
    windowUs: 3600e6,
    provisionedAt: provNow,
    verifyBurst: 10,
    verifyEveryUs: 0,
    confirmWindowUs: 300e6,
  });
  const make = (node: number, seq: number, prov: number, from: number) => {
    const c = newCommand(CMD_DISCONNECT, node, seq);
    c.relay = 1;
    c.reason = 1;
    c.provisionedAt = prov;
    c.notBefore = from;
    c.notAfter = from + 86400;
    return encodeCommand(c, authority.secretKey);
  };
  const caps = [
    make(7, 10, provBefore, nowS - 40 * 86400), // before the re-provisioning (it was valid then)
    make(7, 11, provNow, nowS - 365 * 86400), // a year old (its sequence is new)
    make(8, 12, provNow, nowS - 60), // node 8's, fresh
  ];
  let accepted = 0;
  const reasons: string[] = [];
  for (const b of caps) {
    const o = g.handle(b, b.length);
    if (o.ok) accepted++;
    reasons.push(o.ok ? 'accepted' : o.reason);
  }
  return { tried: caps.length, accepted, reasons };
}

/**
 * A power cut at every byte of the latched-trip record's write (both tear models), on a
 * fresh node and on one that was tripped and reset before: how many reboots close the
 * relays again (onto the fault)? Must be 0.
 */
export function latchCutPoints(): { points: number; reclosed: number; detail: string[] } {
  const board = loadBoard('esp32-devkitc-meter');
  let points = 0;
  let reclosed = 0;
  const detail: string[] = [];
  for (const history of ['fresh', 'reset-before'] as const) {
    for (const fill of ['erased', 'old'] as const) {
      for (let cut = 0; ; cut++) {
        const store = new SimStore();
        let sim = new SimBoard({ board, seed: 1, store });
        let node = new MeterNode(sim.device, board, {});
        sim.run(4e6);
        if (history === 'reset-before') {
          sim.mains.setLoad({ atUs: sim.now() + 1000, irms: 40 });
          sim.run(0.1e6);
          sim.mains.setLoad({ atUs: sim.now() + 1000, irms: 2 });
          sim.run(0.1e6);
          if (node.reset() !== 'ok') throw new Error('reset refused');
          sim.run(1e6);
        }
        store.cutPowerAfterBytes(cut, fill);
        sim.mains.setLoad({ atUs: sim.now() + 1000, irms: 40 });
        let last = false;
        try {
          sim.run(0.1e6);
          throw new Error('no store write after the trip');
        } catch (e) {
          if (!(e instanceof PowerCut)) throw e;
          if (e.key.indexOf('prot.latch') !== 0) throw new Error(`the first write after the trip was ${e.key}, not the latch`);
          // the store tears at min(cut, length): the cut at the length is the whole write, the last point
          last = e.bytesWritten < cut;
        }
        if (last) break;
        points++;
        // power comes back: the fault is still there
        sim = new SimBoard({ board, seed: 2, store, startUs: 10e6 });
        sim.mains.setLoad({ atUs: 0, irms: 40 });
        node = new MeterNode(sim.device, board, {});
        // closing onto the fault trips again within milliseconds: look at every contact transition
        sim.run(5e6);
        const closedOnce = sim.relays.main.transitions.some((x) => x.closed);
        if (closedOnce) {
          reclosed++;
          detail.push(`${history}/${fill}/${cut}: ${node.state()}`);
        }
      }
    }
  }
  return { points, reclosed, detail };
}

export async function securityBench(): Promise<SecurityFigures> {
  const fl = floodEntries();
  const st = staleCommands();
  const latch = latchCutPoints();
  const step = 1e6 / FLOOD_FRAMES_PER_S;
  const anomaly = await measureXs(ENTRY, `globalThis.fb = entry.floodBenchSetup(${step});`, 'entry.floodBenchAnomaly(fb)', 2000);
  const path = await measureXs(ENTRY, `globalThis.fb = entry.floodBenchSetup(${step});`, 'entry.floodBenchPath(fb)', 2000);
  const noble = await measureXs(
    NOBLE_ENTRY,
    'globalThis.sb = entry.nobleBenchSetup(); if (!entry.nobleBenchVerify(sb)) throw new Error("bad sig");',
    'entry.nobleBenchVerify(sb)',
    2,
  );
  const first = await measureXs(NOBLE_ENTRY, 'globalThis.sb = entry.nobleBenchSetup();', '', 1);
  const naclV = await measureXs(
    NOBLE_ENTRY,
    'globalThis.sb = entry.nobleBenchSetup(); if (!entry.naclStrictBenchVerify(sb)) throw new Error("bad sig");',
    'entry.naclStrictBenchVerify(sb)',
    1,
  );
  return {
    anomaly_entries_max_under_flood: fl.anomaly,
    security_log_entries_max_under_flood: fl.log,
    stale_commands_accepted: st.accepted,
    stale_commands_tried: st.tried,
    latch_cut_points: latch.points,
    latch_cut_points_reclosed: latch.reclosed,
    computrons_anomaly_per_reject: Math.round(anomaly.computePerStep),
    computrons_ratelimit_reject_path: Math.round(path.computePerStep),
    computrons_verify_sig: { moddable: Math.round(noble.computePerStep), espruino: Math.round(naclV.computePerStep) },
    computrons_verify_sig_moddable_first: Math.round(noble.setupCompute - first.setupCompute),
  };
}

if (isEntry(import.meta.url)) {
  securityBench().then(
    (f) => {
      console.log(JSON.stringify(f, null, 2));
      process.exit(0);
    },
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
}
