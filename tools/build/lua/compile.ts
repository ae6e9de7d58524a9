// The pieces of the NodeMCU-Lua build: compile the Lua app with typescript-to-lua, shrink
// it, and write the board description and the boot file as Lua source.
import ts from 'typescript';
import * as tstl from 'typescript-to-lua';
import { relative, resolve } from 'node:path';
import type { BoardDescription } from '../../../boards/board';
import { formatDiagnostics, luaCompilerOptions, REPO_ROOT } from '../../engines/lua';

/** The composition root compiled into app.lua. */
export const LUA_APP_ENTRY = resolve(REPO_ROOT, 'targets/nodemcu/main.ts');

/**
 * Compiler options: tsconfig.lua.json (the same settings the parity harness uses, so the
 * core compiles identically) with two packaging changes for a device:
 * - luaLibImport "require-minimal": the TS runtime helpers the app uses go into ONE
 *   `lualib_bundle` module instead of being inlined into every module (68 kB vs 77 kB);
 * - removeComments: doc comments are not shipped.
 */
export function appCompilerOptions(entry: string, bundleName: string): tstl.CompilerOptions {
  return {
    ...luaCompilerOptions(),
    rootDir: REPO_ROOT,
    outDir: resolve(REPO_ROOT, 'build/lua'),
    noEmit: false,
    luaBundle: bundleName,
    luaBundleEntry: entry,
    luaLibImport: tstl.LuaLibImportKind.RequireMinimal,
    removeComments: true,
  };
}

/** One Lua 5.3 chunk (a typescript-to-lua bundle) that returns the entry's exports. */
export function compileLuaBundle(entry = LUA_APP_ENTRY, bundleName = 'app.lua'): string {
  let code: string | undefined;
  const result = tstl.transpileFiles([entry], appCompilerOptions(entry, bundleName), (fileName, data) => {
    if (fileName.endsWith('.lua')) code = data;
  });
  const errors = result.diagnostics.filter((d) => d.category === ts.DiagnosticCategory.Error);
  if (errors.length > 0) throw new Error(`typescript-to-lua failed for ${relative(REPO_ROOT, entry)}:\n  ${formatDiagnostics(errors)}`);
  if (code === undefined) throw new Error(`typescript-to-lua wrote no Lua for ${relative(REPO_ROOT, entry)}`);
  return code;
}

/**
 * Drops indentation, blank lines and whole-line comments. NodeMCU keeps the source in
 * SPIFFS and parses it in RAM at boot, so bytes count twice. Safe only because the code
 * has no multi-line tokens: typescript-to-lua writes strings with escapes, never long
 * brackets `[[...]]` or a backslash-newline; both are checked, and the code is returned
 * untouched if either appears.
 */
export function minifyLua(code: string): string {
  if (/\[=*\[/.test(code) || /\\\r?\n/.test(code) || /--\[=*\[/.test(code)) return code;
  const out: string[] = [];
  for (const raw of code.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('--')) continue;
    out.push(line);
  }
  return out.join('\n') + '\n';
}

function luaString(s: string): string {
  let out = '"';
  for (const ch of Buffer.from(s, 'utf8')) {
    if (ch === 0x22) out += '\\"';
    else if (ch === 0x5c) out += '\\\\';
    else if (ch < 0x20 || ch === 0x7f) out += `\\${ch.toString().padStart(3, '0')}`;
    else out += String.fromCharCode(ch);
  }
  // the bytes above 0x7f were copied one per char: re-encode as latin1 so UTF-8 survives
  return Buffer.from(out + '"', 'latin1').toString('utf8');
}

const LUA_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const LUA_RESERVED = new Set([
  'and',
  'break',
  'do',
  'else',
  'elseif',
  'end',
  'false',
  'for',
  'function',
  'goto',
  'if',
  'in',
  'local',
  'nil',
  'not',
  'or',
  'repeat',
  'return',
  'then',
  'true',
  'until',
  'while',
]);

/**
 * Plain data as a Lua table constructor. Integers stay Lua integers (GPIO numbers, bits:
 * NodeMCU's C functions want integers); other numbers keep JS's shortest round-trip form,
 * which Lua reads back as the same double. NaN, ±Infinity, null and undefined elements are
 * refused: a board file never has them, and Lua tables cannot hold nil.
 */
export function luaLiteral(value: unknown, path = 'board'): string {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`${path}: must be a finite number for Lua, got ${value}`);
    if (Number.isInteger(value) && Math.abs(value) < 2 ** 31) return String(value);
    const s = String(value);
    return /[.eE]/.test(s) ? s : `${s}.0`;
  }
  if (typeof value === 'string') return luaString(value);
  if (typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `{${value.map((v, i) => luaLiteral(v, `${path}[${i}]`)).join(', ')}}`;
  if (value !== null && typeof value === 'object') {
    const parts: string[] = [];
    for (const [k, v] of Object.entries(value)) {
      if (v === undefined) continue;
      const key = LUA_NAME.test(k) && !LUA_RESERVED.has(k) ? k : `[${luaString(k)}]`;
      parts.push(`${key} = ${luaLiteral(v, `${path}.${k}`)}`);
    }
    return `{${parts.join(', ')}}`;
  }
  throw new Error(`${path}: cannot be written as Lua (${value === null ? 'null' : typeof value})`);
}

/** The fields of a board the Lua app reads (description and notes stay on the host). */
export function boardForLua(b: BoardDescription): BoardDescription {
  const out: BoardDescription = {
    name: b.name,
    description: '',
    mcu: b.mcu,
    role: b.role,
    target: b.target,
    pins: b.pins,
    adc: b.adc,
  };
  if (b.frontend !== undefined) out.frontend = b.frontend;
  if (b.calibration !== undefined) out.calibration = b.calibration;
  if (b.relay !== undefined) out.relay = b.relay;
  return out;
}

/** ms between power-up and the app start: the relays are forced open for this long. */
export const BOOT_DELAY_MS = 3000;

/**
 * init.lua: NodeMCU runs it at boot. It does three small things, in this order:
 * 1. drives every relay GPIO to its open level (before anything can fail);
 * 2. waits BOOT_DELAY_MS, NodeMCU's usual guard: a crashing app.lua would otherwise
 *    reboot-loop the board, and in this window `file.remove("init.lua")` at the REPL
 *    stops it (NodeMCU docs, "Getting started: init.lua");
 * 3. loads app.lua (app.lc if `node.compile("app.lua")` made one: less RAM at load) and
 *    starts the node. Globals `app` and `meter` are for the REPL: `meter:status()`.
 */
export function bootLua(board: BoardDescription, bootDelayMs = BOOT_DELAY_MS): string {
  const activeHigh = board.relay === undefined ? true : board.relay.activeHigh;
  const relayPins: number[] = [board.pins.relayMain];
  if (board.pins.relayAux !== undefined) relayPins.push(board.pins.relayAux);
  return [
    `-- Smart-meter protection node, board ${board.name}: NodeMCU-Lua (ESP32, Lua 5.3).`,
    '-- Written by `npm run build -- --target lua`; see docs/BUILD-LUA.md. Do not edit: rebuild.',
    `local BOARD = ${luaLiteral(boardForLua(board))}`,
    `for _, p in ipairs(${luaLiteral(relayPins)}) do`,
    '  gpio.config({gpio = p, dir = gpio.OUT, pull = gpio.FLOATING, opendrain = 0})',
    `  gpio.write(p, ${activeHigh ? 0 : 1})`,
    'end',
    'boot_timer = tmr.create()',
    `boot_timer:alarm(${bootDelayMs}, tmr.ALARM_SINGLE, function()`,
    '  boot_timer = nil',
    '  local f = file.exists and file.exists("app.lc") and "app.lc" or "app.lua"',
    '  app = dofile(f)',
    '  meter = app.start(BOARD, print)',
    '  print("meter started: " .. BOARD.name .. ", meter:status() for readings")',
    'end)',
    '',
  ].join('\n');
}

/**
 * One module compiled on its own (no bundle): its imports stay `require("firmware....")`
 * calls, so a host can resolve them to the modules of a BUILT app.lua (app.bundled).
 */
export function compileModuleAlone(entry: string): string {
  const abs = resolve(REPO_ROOT, entry);
  const options: tstl.CompilerOptions = { ...luaCompilerOptions(), rootDir: REPO_ROOT, outDir: resolve(REPO_ROOT, 'build/lua'), noEmit: false };
  const want = resolve(REPO_ROOT, 'build/lua', relative(REPO_ROOT, abs)).replace(/\.ts$/, '.lua');
  let code: string | undefined;
  const result = tstl.transpileFiles([abs], options, (fileName, data) => {
    if (resolve(fileName) === want) code = data;
  });
  const errors = result.diagnostics.filter((d) => d.category === ts.DiagnosticCategory.Error);
  if (errors.length > 0) throw new Error(`typescript-to-lua failed for ${entry}:\n  ${formatDiagnostics(errors)}`);
  if (code === undefined) throw new Error(`typescript-to-lua wrote no ${relative(REPO_ROOT, want)}`);
  return code;
}
