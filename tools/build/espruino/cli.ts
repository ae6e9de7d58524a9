// The espruino CLI (npm package `espruino`, EspruinoTools), run offline: `-n` never
// connects to a board, `--board <file.json>` takes the board description from a local
// file instead of espruino.com/json, `--config MODULE_URL=` gives the module loader no
// URL to fetch from (a require() of anything not built in then fails, instead of going
// online), `--config COMPILATION=false` keeps functions marked "compiled" away from the
// online compiler, and `-o` writes the exact text the CLI would send to the board.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** The CLI's entry script in node_modules (devDependency espruino, pinned). */
export const ESPRUINO_CLI = resolve(ROOT, 'node_modules/espruino/bin/espruino-cli.js');
/** The local Espruino board JSON (the shape of espruino.com/json/ESP32.json). */
export const ESPRUINO_BOARD_JSON = resolve(ROOT, 'boards/espruino/ESP32.json');

export type CliResult = { ok: true; log: string; command: string } | { ok: false; reason: string; command: string };

export function espruinoCliArgs(input: string, output: string, boardJson: string = ESPRUINO_BOARD_JSON): string[] {
  return ['-n', '--board', boardJson, '--config', 'MODULE_URL=', '--config', 'COMPILATION=false', '-o', output, input];
}

/** Runs the CLI offline on `input`, writing `output`; never throws. */
export function runEspruinoCli(input: string, output: string, boardJson: string = ESPRUINO_BOARD_JSON): CliResult {
  const args = espruinoCliArgs(input, output, boardJson);
  const command = `espruino ${args.map((a) => (a === '' || /\s/.test(a) ? JSON.stringify(a) : a)).join(' ')}`;
  if (!existsSync(ESPRUINO_CLI)) return { ok: false, reason: `the espruino CLI is not installed (${ESPRUINO_CLI}): run npm ci`, command };
  if (!existsSync(boardJson)) return { ok: false, reason: `Espruino board JSON not found: ${boardJson}`, command };
  const r = spawnSync(process.execPath, [ESPRUINO_CLI, ...args], { encoding: 'utf8', timeout: 60_000 });
  const log = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  if (r.error) return { ok: false, reason: `espruino CLI did not run: ${r.error.message}`, command };
  if (r.status !== 0) return { ok: false, reason: `espruino CLI exited with ${r.status}: ${tail(log)}`, command };
  // the CLI exits 0 even when a module is missing: read its log
  const missing = /Module (\S+) not found/.exec(log);
  if (missing) return { ok: false, reason: `espruino CLI: module ${missing[1]} is neither built in (board JSON) nor bundled`, command };
  if (/error/i.test(log.replace(/NODE_TLS_REJECT_UNAUTHORIZED[^\n]*/g, ''))) return { ok: false, reason: `espruino CLI reported: ${tail(log)}`, command };
  if (!existsSync(output) || readFileSync(output, 'utf8').trim() === '') return { ok: false, reason: `espruino CLI wrote no output to ${output}`, command };
  return { ok: true, log, command };
}

function tail(s: string): string {
  return s.trim().split('\n').slice(-5).join(' | ');
}
