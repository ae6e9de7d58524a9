// `npm run build -- --target lua --board <name>`: the NodeMCU-Lua app for an ESP32 meter.
//
// Output, build/lua/<board>/:
//   init.lua  boot file: relays open, a 3 s guard window, then dofile("app.lua") and start
//   app.lua   typescript-to-lua bundle (Lua 5.3) of targets/nodemcu/main.ts: the metering
//             and protection core, the NodeMCU hal provider (adc, gpio, tmr, node, file)
//             and the composition root; it returns the module's exports
// Both files go to SPIFFS (nodemcu-tool upload init.lua app.lua). docs/BUILD-LUA.md says
// what the build proves (parity vectors and a fault run through the BUILT files, in
// fengari) and which NodeMCU firmware options it needs (64-bit numbers).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Board } from '../../boards/schema';
import type { Builder, BuildResult } from './types';
import { bootLua, compileLuaBundle, minifyLua } from './lua/compile';

export const LUA_FILES = ['init.lua', 'app.lua'];

/** Why a board cannot be built for Lua, or [] when it can. Each entry names the field. */
export function luaBoardProblems(board: Board): string[] {
  const out: string[] = [];
  if (board.target !== 'lua') out.push(`target: must be "lua" for the NodeMCU-Lua build, got "${board.target}" (build it with --target ${board.target})`);
  if (board.mcu !== 'esp32') out.push(`mcu: must be "esp32" (the Lua app samples V and I on two ADC1 inputs; an ESP8266 has one), got "${board.mcu}"`);
  if (board.role !== 'meter') out.push(`role: must be "meter" (the Lua app is the meter node), got "${board.role}"`);
  if (board.frontend === undefined) out.push('frontend: required for the Lua meter app');
  if (board.calibration === undefined) out.push('calibration: required for the Lua meter app');
  return out;
}

export const buildLua: Builder = async (board, outDir) => {
  const problems = luaBoardProblems(board);
  if (problems.length > 0) throw new Error(`board ${board.name} cannot be built for lua:\n  ${problems.join('\n  ')}`);
  const app = minifyLua(compileLuaBundle());
  const init = bootLua(board);
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'init.lua'), init);
  writeFileSync(join(outDir, 'app.lua'), app);
  const bytes = Buffer.byteLength(init) + Buffer.byteLength(app);
  const result: BuildResult = {
    target: 'lua',
    board: board.name,
    outDir,
    files: LUA_FILES.slice(),
    bytes,
    notes: [
      `upload both files to SPIFFS: nodemcu-tool --port <dev> upload ${join(outDir, 'init.lua')} ${join(outDir, 'app.lua')}`,
      'firmware: NodeMCU ESP32 (dev-esp32), Lua 5.3, with modules adc, gpio, tmr, node, file, uart, spi',
      'firmware MUST use 64-bit numbers (menuconfig: Lua number type 64-bit integer + double): with the 32-bit default, time in µs loses 256 µs steps past 2^31 and the core misses its accuracy (docs/BUILD-LUA.md, float32 section)',
      'optional: node.compile("app.lua") once on the board makes app.lc (init.lua prefers it): less RAM while loading',
      'left out versus MeterNode: flash records (latched trip, energy, settings across power cuts) and the console; the Lua REPL is the console (meter:status(), meter:reset())',
    ],
  };
  return result;
};
