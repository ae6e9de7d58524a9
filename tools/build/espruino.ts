// The Espruino build: one upload script, build/espruino/<board>/app.js.
//
//   targets/espruino/main.ts (MeterNode on the Espruino provider, board JSON inlined)
//     -> esbuild (cjs, es2015) -> TypeScript ES5 pass -> Espruino syntax check
//     -> espruino CLI offline (-n --board boards/espruino/ESP32.json -o app.js)
//     -> the syntax check again, on what the CLI wrote
//
// Upload: `espruino --port <dev> --storage .bootcde:- app.js` writes the script to flash
// (Storage file .bootcde, run at every boot); see docs/BUILD-ESPRUINO.md.
// If the CLI cannot run (not installed), app.js is the checked bundle itself and the
// notes say so, with the exact CLI command. Design and figures: docs/BUILD-ESPRUINO.md.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Board } from '../../boards/schema';
import type { BoardDescription } from '../../boards/board';
import { bundleForEspruino } from './espruino/bundle';
import { checkEspruinoSyntax, formatIssue } from './espruino/check';
import { ESPRUINO_BOARD_JSON, runEspruinoCli } from './espruino/cli';
import { ESPRUINO_VARS, rateNotes } from './espruino/rate';
import type { Builder, BuildResult } from './types';

export const APP_ENTRY = 'targets/espruino/main.ts';
export const PARITY_ENTRY = 'tools/build/espruino/parity-entry.ts';

export interface EspruinoArtifact {
  code: string;
  /** true when the espruino CLI produced `code`; false when it is the bundle (CLI missing) */
  viaCli: boolean;
  notes: string[];
}

/**
 * Bundles `entry`, passes it through the espruino CLI offline and checks the result.
 * Throws when the bundle or the CLI output has syntax Espruino lacks, or when the CLI ran
 * and failed (e.g. a require() of a module that is neither built in nor bundled).
 */
export async function makeEspruinoScript(entry: string, define: Record<string, string>, fileName = 'app.js'): Promise<EspruinoArtifact> {
  const bundle = await bundleForEspruino({ entry, define, fileName });
  const notes: string[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'espruino-build-'));
  try {
    const input = join(dir, 'bundle.js');
    const output = join(dir, fileName);
    writeFileSync(input, bundle.code);
    const cli = runEspruinoCli(input, output);
    if (!cli.ok) {
      if (cli.reason.startsWith('the espruino CLI is not installed')) {
        notes.push(
          `${cli.reason}; ${fileName} is the checked esbuild bundle. With the CLI: ${cli.command.replace(input, '<bundle.js>').replace(output, fileName)}`,
        );
        return { code: bundle.code, viaCli: false, notes };
      }
      throw new Error(cli.reason);
    }
    const code = readFileSync(output, 'utf8');
    const issues = checkEspruinoSyntax(code, fileName);
    if (issues.length > 0) {
      throw new Error(
        `the espruino CLI output uses syntax Espruino lacks:\n${issues
          .slice(0, 20)
          .map((i) => formatIssue(fileName, i))
          .join('\n')}`,
      );
    }
    notes.push(`made offline by: ${cli.command.replace(input, '<bundle.js>').replace(output, fileName)}`);
    return { code, viaCli: true, notes };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The board description the app needs, as inlined into the upload (no free-text fields). */
export function boardForUpload(board: Board): BoardDescription {
  const d: BoardDescription = {
    name: board.name,
    description: '',
    mcu: board.mcu,
    role: board.role,
    target: board.target,
    pins: board.pins,
    adc: board.adc,
  };
  if (board.frontend !== undefined) d.frontend = board.frontend;
  if (board.calibration !== undefined) d.calibration = board.calibration;
  if (board.relay !== undefined) d.relay = board.relay;
  if (board.radio !== undefined) d.radio = board.radio;
  return d;
}

export const buildEspruino: Builder = async (board: Board, outDir: string): Promise<BuildResult> => {
  if (board.target !== 'espruino') {
    throw new Error(`target: the espruino build needs a board with "target": "espruino", got '${board.target}' (board ${board.name})`);
  }
  if (board.role !== 'meter') {
    throw new Error(`role: the Espruino app is the meter node and needs "role": "meter", got '${board.role}' (board ${board.name})`);
  }
  const art = await makeEspruinoScript(APP_ENTRY, { __ESPRUINO_BOARD__: JSON.stringify(boardForUpload(board)) });
  const dir = resolve(outDir);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'app.js'), art.code);
  const bytes = Buffer.byteLength(art.code);
  const notes = [
    ...art.notes,
    `Espruino board JSON: ${ESPRUINO_BOARD_JSON}`,
    // Espruino keeps uploaded source in its variables; code written to Storage runs from
    // flash and only the app's state and its "ram" functions take variables.
    `upload to flash (the script runs from Storage; ${Math.round(bytes / 1000)} kB of source sent to RAM would take ~${Math.round(bytes / 12 / 1000)}k of Espruino's variables): ` +
      `espruino --port <dev> --baud ${board.console !== undefined ? board.console.baud : 115200} --storage .bootcde:- ${join(dir, 'app.js')}`,
    `memory: the booted app uses ~${ESPRUINO_VARS.used} variables (${ESPRUINO_VARS.bytesPerVar} bytes each, ~${Math.round((ESPRUINO_VARS.used * ESPRUINO_VARS.bytesPerVar) / 1024)} kB; measured in the real interpreter, ESP32 variable format); ` +
      'check process.memory().total on the board (the firmware sizes it from free heap, at most 16383)',
    ...rateNotes(board),
  ];
  return { target: 'espruino', board: board.name, outDir: dir, files: ['app.js'], bytes, notes };
};
