// The meter node's board program on NodeMCU-Lua: tools/build/lua.ts compiles this file,
// and everything it imports, with typescript-to-lua into build/lua/<board>/app.lua, and
// init.lua calls start(). It wires the NodeMCU provider (hal/nodemcu) to LuaMeterNode
// (firmware/app/lua-meter-node.ts), the Lua build's smaller MeterNode: MeterNode's flash
// records and console use Uint8Array, which Lua does not have (docs/BUILD-LUA.md).
// Written in the Lua subset (docs/PORTABLE-SUBSET.md §2).
import type { BoardDescription } from '../../boards/board';
import { LuaMeterNode } from '../../firmware/app/lua-meter-node';
import { createDevice } from '../../hal/nodemcu/device';

export { LuaMeterNode };
export type { LuaNodeStatus } from '../../firmware/app/lua-meter-node';

/** Lua's `require` inside the typescript-to-lua bundle: it resolves the bundle's own modules. */
/** @customName require */
declare function bundleRequire(this: void, name: string): unknown;

/** init.lua calls this once the boot window has passed: the node on the NodeMCU provider. */
export function start(board: BoardDescription, log: ((line: string) => void) | undefined): LuaMeterNode {
  return new LuaMeterNode(createDevice(board), board, log);
}

/** A module of this bundle by its name (e.g. 'firmware.protection.settings'), for the REPL
 *  and for the host test that runs the parity vectors through the built app.lua. */
export function bundled(name: string): unknown {
  return bundleRequire(name);
}
