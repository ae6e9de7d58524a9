// The radio link of the BUILT Espruino upload, proved in the REAL interpreter (Espruino 2v29
// for Linux): app.js exactly as `npm run build -- --target espruino` writes it goes in Storage
// as `.bootcde`, next to the node's provisioned key records (tools/provision.ts image, one
// Storage file per store key, as hal/espruino keeps them); `.boot0` holds the board stand-ins
// (real.ts STANDINS) and the radio stand-in (radio-standin.ts: the nRF24 chip model behind
// SPI1.send, CE and IRQ, on a simulated air with a peer control unit, all bundled into the same
// Espruino script); `.boot1` is the meter driver (real.ts meterDriver, sampled virtual time).
//
// The peer runs in the same interpreter (the Linux build's variables are not the ESP32's
// limit; the app's own memory is measured separately, with the esp32vars build). Steps, in
// sampled seconds after boot: telemetry until 12 s; the authority's signed disconnect at 12
// (snap at 15), its reconnect at 15.1 (snap at 18); a comparator edge at 18.5; result at 19.5.
//
// CLI: npx tsx tools/build/espruino/link-proof.ts [board]   (prints JSON)
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Board } from '../../../boards/schema';
import { boardForUpload, buildEspruino } from '../espruino';
import { bundleForEspruino } from './bundle';
import { EspruinoFlash, meterDriver, STANDINS, type EspruinoBuild } from './real';
import { makeLinkFixture } from '../link-fixture';
import type { LinkProofResult } from '../link-e2e';
import { isEntry } from '../../cli';

export const RADIO_STANDIN_ENTRY = 'tools/build/espruino/radio-standin.ts';

export interface EspruinoLinkProof extends LinkProofResult {
  /** app.js bytes (the upload) */
  appBytes: number;
  /** process.memory() at the end: usage of total variables (the Linux build: app + stand-ins + peer) */
  mem: { usage: number; total: number };
  /** what the SPI1 stand-in saw: setup calls, transfers, a setup on the wrong pins */
  bus: { setups: number; transfers: number; badSetup: string };
  /** the node's NodeLink counters and its radio driver's (from the app's global.meterLink) */
  node?: unknown;
  /** variables in use once the stand-ins and the peer were installed, before the app booted */
  memAtInstall: number;
  /** [sampled s, Date.now() ms] at a few steps: where the wall time goes */
  wall?: number[][];
  /** each chip's counters (node, control) */
  chips?: unknown;
  /** the driver's and the app's uncaught errors */
  appErrors: string[];
  stdoutTail: string;
}

export async function runEspruinoLinkProof(board: Board, build: EspruinoBuild = 'linux', withKeys = true, timeoutMs = 600000): Promise<EspruinoLinkProof> {
  const tmp = mkdtempSync(join(tmpdir(), 'espruino-link-'));
  const flash = new EspruinoFlash(build);
  try {
    const built = await buildEspruino(board, tmp);
    const app = readFileSync(join(built.outDir, 'app.js'), 'utf8');
    const fx = makeLinkFixture(board);
    const p = board.pins;
    const pins = {
      spiSck: p.spiSck,
      spiMosi: p.spiMosi,
      spiMiso: p.spiMiso,
      radioCs: p.radioCs,
      radioCe: p.radioCe,
      radioIrq: p.radioIrq,
      relayMain: p.relayMain,
    };
    for (const [k, v] of Object.entries(pins)) if (v === undefined) throw new Error(`board ${board.name}: no pin ${k}`);
    const standin = await bundleForEspruino({
      entry: RADIO_STANDIN_ENTRY,
      define: {
        __LINK_FIXTURE__: JSON.stringify({ nodeId: fx.nodeId, nodes: fx.nodes, disconnect: fx.disconnect, reconnect: fx.reconnect, channel: fx.channel }),
        __RADIO_PINS__: JSON.stringify(pins),
      },
      fileName: 'radio-standin.js',
      polyfilled: ['Map'],
    });
    const files: Record<string, string | Uint8Array> = {
      // the stand-in (~120 kB) does not fit the Linux port's 256 kB Storage next to the app:
      // it is read from the working folder and evaluated into RAM (not the board's memory)
      '.boot0': STANDINS + '\neval(require("fs").readFileSync("radio-standin.js"));\n',
      '.bootcde': app,
      '.boot1': meterDriver(
        boardForUpload(board),
        [
          { at: 1, js: 'R.wall = [[1, Date.now()]]' },
          { at: 6, js: 'R.wall.push([6, Date.now()])' },
          { at: 11.9, js: 'R.wall.push([11.9, Date.now()])' },
          { at: 14.9, js: 'R.wall.push([14.9, Date.now()])' },
          { at: 12, js: 'R.readingsAt12 = __radio.readings(); __radio.send("disconnect")' },
          { at: 15, js: '__radio.snap("disconnect", 1, n.state())' },
          { at: 15.1, js: '__radio.send("reconnect")' },
          { at: 18, js: '__radio.snap("reconnect", 2, n.state())' },
          { at: 18.5, js: '__radio.fault(); S.edge(P.comparator, 1)' },
          {
            at: 19.5,
            js: 'snap("end"); R.link = __radio.result(String(global.meterLinkStatus)); R.bus = __radio.bus; var L = global.meterLink; if (L) R.node = { stats: L.stats, rejects: L.rejects, radio: L.radio.stats, lastError: L.lastError, frag: L.reassembler.stats, guard: L.guard.rejects, irqLevel: S.level(P.radioIrq), nodeState: n.state() }; R.chips = __radio.chips(); R.memAtInstall = __radio.memAtInstall; R.wall.push([19.5, Date.now()])',
          },
        ],
        { irms: 10, perBlock: '__radio.sync();' },
      ),
    };
    if (withKeys) for (const k of Object.keys(fx.image)) files[k] = Uint8Array.from(fx.image[k]);
    writeFileSync(join(flash.dir, 'radio-standin.js'), standin.code);
    await flash.write(files);
    const run = await flash.boot(timeoutMs, true);
    if (process.env.LINK_PROOF_STDOUT) writeFileSync(process.env.LINK_PROOF_STDOUT, run.stdout);
    const r = run.result as
      | {
          memAtInstall?: number;
          wall?: number[][];
          node?: unknown;
          chips?: unknown;
          link?: LinkProofResult;
          bus?: EspruinoLinkProof['bus'];
          errors: string[];
          phases: { mem: { usage: number; total: number } }[];
        }
      | undefined;
    if (r === undefined || r.link === undefined) throw new Error(`the Espruino link proof gave no result (exit ${run.code}):\n${run.stdout.slice(-3000)}`);
    const end = r.phases[r.phases.length - 1];
    return {
      ...r.link,
      memAtInstall: r.memAtInstall ?? -1,
      wall: r.wall,
      node: r.node,
      chips: r.chips,
      appBytes: built.bytes,
      mem: end.mem,
      bus: r.bus ?? { setups: 0, transfers: 0, badSetup: '' },
      appErrors: r.errors,
      stdoutTail: run.stdout.slice(-1500),
    };
  } finally {
    flash.close();
    rmSync(tmp, { recursive: true, force: true });
  }
}

if (isEntry(import.meta.url)) {
  void (async () => {
    const { loadBoard } = await import('../../../boards/schema');
    const t = Date.now();
    const r = await runEspruinoLinkProof(
      loadBoard(process.argv[2] ?? 'espruino-esp32-wroom'),
      (process.env.LINK_PROOF_BUILD ?? 'linux') as EspruinoBuild,
      true,
      Number(process.env.LINK_PROOF_TIMEOUT_MS ?? 600000),
    );
    console.log(JSON.stringify({ wallMs: Date.now() - t, ...r }, null, 2));
  })();
}

/**
 * A register file behind SPI1.send (writes stored, reads answered, STATUS 0x0e), small enough
 * for the ESP32 variable format, so the driver's read-back finds a chip and NodeLink attaches:
 * the app's own memory with the link on (no air, no peer: nothing is sent or received).
 */
export const NRF24_REGISTER_STUB = `(function () {
  var reg = new Uint8Array(32); reg[7] = 0x0e; reg[0x17] = 0x11;
  SPI1.setup = function () {};
  SPI1.send = function (d, cs) {
    var b = new Uint8Array(d.length); b.set(d);
    var c = b[0]; b[0] = reg[7];
    if (c < 0x20) { for (var i = 1; i < b.length; i++) b[i] = reg[c & 0x1f]; }
    else if (c < 0x40) { reg[c & 0x1f] = b[1]; if ((c & 0x1f) === 7) reg[7] = 0x0e; }
    else { for (var j = 1; j < b.length; j++) b[j] = 0; }
    return b;
  };
})();
`;

/** process.memory() of the built app booted with its keys and the link on, in the ESP32 variable format. */
export async function linkOnVars(board: Board): Promise<{ usage: number; total: number; linkStatus: string; errors: string[] }> {
  const tmp = mkdtempSync(join(tmpdir(), 'espruino-link-vars-'));
  const flash = new EspruinoFlash('esp32vars');
  try {
    const built = await buildEspruino(board, tmp);
    const fx = makeLinkFixture(board);
    const files: Record<string, string | Uint8Array> = {
      '.boot0': STANDINS + '\n' + NRF24_REGISTER_STUB,
      '.bootcde': readFileSync(join(built.outDir, 'app.js'), 'utf8'),
      '.boot1': meterDriver(boardForUpload(board), [{ at: 3.6, js: 'snap("metering"); R.linkStatus = String(global.meterLinkStatus)' }]),
    };
    for (const k of Object.keys(fx.image)) files[k] = Uint8Array.from(fx.image[k]);
    await flash.write(files);
    const r = (await flash.boot(120000)).result as { linkStatus?: string; errors: string[]; phases: { mem: { usage: number; total: number } }[] } | undefined;
    if (r === undefined || r.phases.length === 0) throw new Error('the link-on memory run gave no result');
    return { usage: r.phases[0].mem.usage, total: r.phases[0].mem.total, linkStatus: r.linkStatus ?? '', errors: r.errors };
  } finally {
    flash.close();
    rmSync(tmp, { recursive: true, force: true });
  }
}
