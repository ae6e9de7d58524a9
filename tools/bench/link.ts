// Link figures for `npm run bench`: frame overhead and frames per reading from the codec,
// XS cost of seal / open / Ed25519 verify from xsnap's compute meter (deterministic), and
// the attack and flood percentages from the simulated air (tools/sim/net-scenarios.ts).
import { fileURLToPath } from 'node:url';
import { measureXs } from '../engines/run';
import { HEADER_BYTES, LinkSender, MSG_TELEMETRY, PROFILE_NRF24, DIR_UP } from '../../firmware/link/frame';
import { TELEMETRY_BYTES, encodeTelemetry, newTelemetryReading } from '../../firmware/link/telemetry';
import { forgeryFloodScenario, replayScenario } from '../sim/net-scenarios';
import { isEntry } from '../cli';

const ENTRY = fileURLToPath(new URL('../../firmware/link/parity-entry.ts', import.meta.url));

export interface LinkFigures {
  overhead_bytes: number;
  frames_per_reading: number;
  attack_frames_rejected_pct: number;
  legit_delivery_pct_under_flood: number;
  computrons_seal: number;
  computrons_open: number;
  computrons_verify_sig: number;
}

export async function linkBench(): Promise<LinkFigures> {
  // one real telemetry frame on the nRF24 profile
  let c = 0;
  const tx = new LinkSender(PROFILE_NRF24, new Uint8Array(32), 0, 1, DIR_UP, { next: () => c++ });
  const body = new Uint8Array(TELEMETRY_BYTES);
  encodeTelemetry(newTelemetryReading(), body, 0);
  const s = tx.seal(MSG_TELEMETRY, body, TELEMETRY_BYTES);
  if (!s.ok) throw new Error(s.error);
  const overhead = s.frame.length - TELEMETRY_BYTES;
  if (overhead !== HEADER_BYTES + PROFILE_NRF24.tagLen) throw new Error(`overhead ${overhead}`);
  const framesPerReading = Math.ceil(s.frame.length / PROFILE_NRF24.maxFrame);

  // the air: replays (also after reboots of either side) and tampering, then a flood
  const replay = replayScenario().json as { attack_frames: number; refused: number };
  const fl = forgeryFloodScenario(500, 10);
  const attacks = replay.attack_frames + (fl.json as { refused_by_control_unit: number }).refused_by_control_unit;
  const refused = replay.refused + (fl.json as { refused_by_control_unit: number }).refused_by_control_unit;
  const accepted = (fl.json as { accepted_forged: number }).accepted_forged;

  const setup = 'globalThis.st = entry.linkBenchSetup();';
  const seal = await measureXs(ENTRY, setup, 'entry.linkBenchSeal(st)', 16);
  const open = await measureXs(ENTRY, setup, 'entry.linkBenchOpen(st)', 16);
  const verify = await measureXs(
    ENTRY,
    'globalThis.sb = entry.signBenchSetup(); if (!entry.signBenchVerify(sb)) throw new Error("bad sig");',
    'entry.signBenchVerify(sb)',
    1,
  );
  return {
    overhead_bytes: overhead,
    frames_per_reading: framesPerReading,
    // of the attack frames that reached a receiver (a flood frame lost to a collision never did)
    attack_frames_rejected_pct: Math.round((1000 * refused) / (attacks + accepted)) / 10,
    legit_delivery_pct_under_flood: fl.deliveryPct,
    computrons_seal: Math.round(seal.computePerStep),
    computrons_open: Math.round(open.computePerStep),
    computrons_verify_sig: Math.round(verify.computePerStep),
  };
}

if (isEntry(import.meta.url)) {
  const t0 = performance.now();
  linkBench().then(
    (f) => {
      console.log(JSON.stringify(f, null, 2));
      console.log(`(${Math.round(performance.now() - t0)} ms)`);
      process.exit(0);
    },
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
}
