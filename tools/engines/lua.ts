// Lua 5.3 engine for parity tests: typescript-to-lua compiles an entry (and everything it
// imports) into ONE Lua chunk (luaBundle), and fengari (Lua 5.3 written in JS) runs it.
// Compiler settings come from tsconfig.lua.json, the same file a NodeMCU build uses.
// Note: fengari's lua_Integer is 32-bit (NodeMCU's is too), see docs/PORTABLE-SUBSET.md.

import fengari from 'fengari';
import ts from 'typescript';
import * as tstl from 'typescript-to-lua';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pushPlain, readPlain, type LuaState } from './lua-data';

const { lua, lauxlib, lualib, to_luastring, to_jsstring } = fengari;

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const LUA_TSCONFIG = resolve(REPO_ROOT, 'tsconfig.lua.json');

export class LuaError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LuaError';
  }
}

export interface LuaChunk {
  entry: string;
  /** The bundled Lua 5.3 source. */
  code: string;
}

const chunkCache = new Map<string, LuaChunk>();

/** Reads tsconfig.lua.json: TS compiler options merged with its "tstl" block. */
export function luaCompilerOptions(): tstl.CompilerOptions {
  const read = ts.readConfigFile(LUA_TSCONFIG, (p) => ts.sys.readFile(p));
  if (read.error) throw new LuaError(`tsconfig.lua.json: ${ts.flattenDiagnosticMessageText(read.error.messageText, '\n')}`);
  const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, REPO_ROOT, undefined, LUA_TSCONFIG);
  return { ...parsed.options, ...(read.config.tstl ?? {}) } as tstl.CompilerOptions;
}

const DIAGNOSTIC_HOST: ts.FormatDiagnosticsHost = {
  getCanonicalFileName: (f) => f,
  getCurrentDirectory: () => REPO_ROOT,
  getNewLine: () => '\n',
};

/** TypeScript's own formatting (file(line,col): error TSnnnn: message), paths relative to the repo. */
export function formatDiagnostics(ds: readonly ts.Diagnostic[]): string {
  return ts.formatDiagnostics(ds, DIAGNOSTIC_HOST).trimEnd();
}

/** Compiles `entry` to one Lua chunk (cached in memory per entry). Throws on any error. */
export function compileToLua(entry: string): LuaChunk {
  const abs = resolve(entry);
  const hit = chunkCache.get(abs);
  if (hit) return hit;
  const outDir = resolve(REPO_ROOT, 'build/lua');
  const options: tstl.CompilerOptions = {
    ...luaCompilerOptions(),
    rootDir: REPO_ROOT,
    outDir,
    noEmit: false,
    luaBundle: 'bundle.lua',
    luaBundleEntry: abs,
  };
  let code: string | undefined;
  const result = tstl.transpileFiles([abs], options, (fileName, data) => {
    if (fileName.endsWith('.lua')) code = data;
  });
  const errors = result.diagnostics.filter((d) => d.category === ts.DiagnosticCategory.Error);
  if (errors.length > 0) {
    throw new LuaError(`typescript-to-lua failed for ${relative(REPO_ROOT, abs)}:\n  ${formatDiagnostics(errors)}`);
  }
  if (code === undefined) throw new LuaError(`typescript-to-lua wrote no Lua for ${relative(REPO_ROOT, abs)}`);
  const chunk = { entry: abs, code };
  chunkCache.set(abs, chunk);
  return chunk;
}

/** Message handler for lua_pcall: turns the error (string or TSTL Error table) into text + traceback. */
function traceback(L: LuaState): number {
  const msg = lauxlib.luaL_tolstring(L, 1);
  lauxlib.luaL_traceback(L, L, msg, 1);
  return 1;
}

/** A fengari state with one compiled entry loaded; call its exports with plain data. */
export class LuaRunner {
  private L: LuaState;
  private moduleRef: number;

  private constructor(readonly chunk: LuaChunk) {
    this.L = lauxlib.luaL_newstate();
    lualib.luaL_openlibs(this.L);
    const L = this.L;
    lua.lua_pushcfunction(L, traceback);
    const loaded = lauxlib.luaL_loadbuffer(L, to_luastring(chunk.code), null, to_luastring(`=${relative(REPO_ROOT, chunk.entry)}`));
    if (loaded !== lua.LUA_OK) {
      const msg = to_jsstring(lua.lua_tostring(L, -1));
      lua.lua_close(L);
      throw new LuaError(`Lua chunk for ${relative(REPO_ROOT, chunk.entry)} does not load: ${msg}`);
    }
    this.protectedCall(0, `loading ${relative(REPO_ROOT, chunk.entry)}`);
    if (!lua.lua_istable(L, -1)) {
      lua.lua_close(L);
      throw new LuaError(`Lua chunk for ${relative(REPO_ROOT, chunk.entry)} did not return its exports table`);
    }
    this.moduleRef = lauxlib.luaL_ref(L, lua.LUA_REGISTRYINDEX);
    lua.lua_pop(L, 1); // the traceback handler
  }

  static load(entry: string): LuaRunner {
    return new LuaRunner(compileToLua(entry));
  }

  /** Calls export `name` with `input`; `shapeHint` settles empty tables ([] vs {}). */
  call(name: string, input: unknown, shapeHint?: unknown): unknown {
    const L = this.L;
    if (!L) throw new LuaError('LuaRunner is closed');
    const base = lua.lua_gettop(L);
    try {
      lua.lua_pushcfunction(L, traceback);
      lua.lua_rawgeti(L, lua.LUA_REGISTRYINDEX, this.moduleRef);
      lua.lua_getfield(L, -1, to_luastring(name));
      if (lua.lua_type(L, -1) !== lua.LUA_TFUNCTION) {
        throw new LuaError(`${relative(REPO_ROOT, this.chunk.entry)} has no exported function '${name}' in Lua`);
      }
      lua.lua_remove(L, -2); // the module table
      pushPlain(L, input);
      this.protectedCall(1, `${name}()`);
      return readPlain(L, -1, shapeHint);
    } finally {
      lua.lua_settop(L, base);
    }
  }

  /** Runs a raw Lua snippet in this state (for tests and experiments); returns its first result. */
  eval(source: string, shapeHint?: unknown): unknown {
    const L = this.L;
    const base = lua.lua_gettop(L);
    try {
      lua.lua_pushcfunction(L, traceback);
      if (lauxlib.luaL_loadstring(L, to_luastring(source)) !== lua.LUA_OK) {
        throw new LuaError(`Lua syntax: ${to_jsstring(lua.lua_tostring(L, -1))}`);
      }
      this.protectedCall(0, 'eval');
      return readPlain(L, -1, shapeHint);
    } finally {
      lua.lua_settop(L, base);
    }
  }

  close(): void {
    if (this.L) lua.lua_close(this.L);
    this.L = undefined;
  }

  /** Stack: handler, fn, args... -> handler, result. Throws LuaError with a traceback. */
  private protectedCall(nargs: number, what: string): void {
    const L = this.L;
    const handlerIdx = lua.lua_gettop(L) - nargs - 1;
    const status = lua.lua_pcall(L, nargs, 1, handlerIdx);
    if (status !== lua.LUA_OK) {
      const msg = to_jsstring(lua.lua_tostring(L, -1) ?? to_luastring('(no message)'));
      throw new LuaError(`Lua error in ${what}: ${msg}`);
    }
  }
}
