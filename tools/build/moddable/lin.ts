// A `lin` (Linux desktop) build of the Moddable app, for running the real XS runtime, the
// real timer, time, preference and Serial (lin serial.c on a pseudo-terminal) on this
// machine. lin lacks what a board has: embedded:io/analog, digital and spi, and the SDK's
// microseconds C has no Linux branch. Those four get stand-ins (tools/build/moddable/lin/)
// that keep the ESP32 drivers' checks; everything else is the SDK's own code.
//
// writeLinManifest() copies the stand-ins next to a build (build/moddable/<board>/lin/) and
// writes manifest-lin.json, which includes the build's manifest.json unchanged and adds:
//   modules   embedded:io/analog, embedded:io/digital, embedded:io/spi, microseconds
//   config    serialDevice (the tty the console opens) and `lin`, the stand-in mains:
//             230 V, loadA rms, stepping to faultA faultAfterCloseMs after the main relay closed.
// Build it with: mcconfig -d -m -p lin -o <out> manifest-lin.json (needs gcc, pkg-config and
// libgtk-3-dev); run it with mcsim under xvfb (tools/build/moddable/lin-run.ts).
import { copyFileSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Board } from '../../../boards/schema';
import { SimBoard } from '../../../hal/sim/board';

const STAND_INS = join(dirname(fileURLToPath(import.meta.url)), 'lin');

export interface LinScenario {
  /** the tty lin serial.c opens for the console */
  serialDevice: string;
  /** load before the fault, A rms */
  loadA: number;
  /** load after the fault, A rms */
  faultA: number;
  /** when the load steps, ms after the main relay first closed */
  faultAfterCloseMs: number;
  /**
   * the stand-in ADC's time base: 'wall' (Time.microseconds at each read), 'reads' (1 ms per
   * V read), or 'virtual' ('reads', and the app's Time.microseconds follows that sample clock)
   */
  clock: 'wall' | 'reads' | 'virtual';
}

/** NTC and MQ-6 input volts at 25 °C in clean air, from the simulator's front-end model. */
function sensorVolts(board: Board): { ntcVolts: number; gasVolts: number } {
  const sim = new SimBoard({ board, seed: 1 });
  sim.runUntil(sim.now() + 1e6);
  const read = (pin: number): number => new sim.device.io.Analog({ pin }).read();
  const lsb = board.adc.fullScaleVolts / (Math.pow(2, board.adc.bits) - 1);
  return { ntcVolts: read(board.pins.ntc) * lsb, gasVolts: read(board.pins.gas) * lsb };
}

/** Copy the stand-ins into `outDir`/lin and write `outDir`/manifest-lin.json. */
export function writeLinManifest(outDir: string, board: Board, s: LinScenario): string {
  mkdirSync(join(outDir, 'lin'), { recursive: true });
  for (const f of readdirSync(STAND_INS)) copyFileSync(join(STAND_INS, f), join(outDir, 'lin', f));
  const manifest = {
    include: ['./manifest.json'],
    modules: {
      'embedded:io/analog': './lin/analog',
      'embedded:io/digital': './lin/digital',
      'embedded:io/spi': './lin/spi',
      microseconds: './lin/microseconds',
    },
    preload: ['embedded:io/analog', 'embedded:io/digital', 'embedded:io/spi', 'microseconds'],
    config: {
      serialDevice: s.serialDevice,
      lin: { loadA: s.loadA, faultA: s.faultA, faultAfterCloseMs: s.faultAfterCloseMs, clock: s.clock, ...sensorVolts(board) },
    },
  };
  const path = join(outDir, 'manifest-lin.json');
  writeFileSync(path, JSON.stringify(manifest, null, '\t') + '\n');
  return path;
}
