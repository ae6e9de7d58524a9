// Plain data between JS and a fengari Lua state, laid out the way typescript-to-lua
// code expects it:
//   JS array   <-> Lua sequence (1-based table, TSTL reads `a[i]` as `a[i + 1]`)
//   JS object  <-> table with string keys
//   number     <-> Lua float. fengari's lua_Integer is 32-bit, so every JS number is
//                  pushed with lua_pushnumber (a float); values read back may be integers
//                  or floats, both become JS numbers.
//   string     <-> Lua string (UTF-8 bytes), boolean <-> boolean.
// null/undefined are refused on the way in: in Lua they are nil, and a nil inside a
// sequence makes a hole that changes `#`, so the data would silently differ.
//
// On the way out one case is ambiguous: an empty table is `[]` or `{}`. A shape hint (the
// same value as computed by Node) settles it; without a hint an empty table becomes [].

import fengari from 'fengari';

const { lua, lauxlib, to_luastring, to_jsstring } = fengari;

export type LuaState = unknown;

export class LuaDataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LuaDataError';
  }
}

const MAX_DEPTH = 200;

function keyPath(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

/** Pushes a plain JS value onto the Lua stack (exactly one slot). */
export function pushPlain(L: LuaState, value: unknown, path = '$', depth = 0): void {
  if (depth > MAX_DEPTH) throw new LuaDataError(`${path}: nesting deeper than ${MAX_DEPTH}`);
  lauxlib.luaL_checkstack(L, 3, to_luastring('pushPlain'));
  switch (typeof value) {
    case 'number':
      lua.lua_pushnumber(L, value);
      return;
    case 'string':
      lua.lua_pushstring(L, to_luastring(value));
      return;
    case 'boolean':
      lua.lua_pushboolean(L, value);
      return;
    case 'object':
      break;
    default:
      throw new LuaDataError(`${path}: ${typeof value} is not plain data (number, string, boolean, array, object)`);
  }
  if (value === null) throw new LuaDataError(`${path}: null is not plain data (it would be nil, a hole in Lua)`);
  if (Array.isArray(value)) {
    lua.lua_createtable(L, value.length, 0);
    for (let i = 0; i < value.length; i++) {
      if (!(i in value)) throw new LuaDataError(`${keyPath(path, i)}: array hole`);
      pushPlain(L, value[i], keyPath(path, i), depth + 1);
      lua.lua_rawseti(L, -2, i + 1);
    }
    return;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) {
    throw new LuaDataError(`${path}: ${proto?.constructor?.name ?? 'exotic'} object is not plain data`);
  }
  const keys = Object.keys(value);
  lua.lua_createtable(L, 0, keys.length);
  for (const k of keys) {
    const v = (value as Record<string, unknown>)[k];
    if (v === undefined) continue; // absent and undefined are the same to Lua (nil)
    pushPlain(L, v, keyPath(path, k), depth + 1);
    lua.lua_setfield(L, -2, to_luastring(k));
  }
}

/** Reads the Lua value at stack index `idx` as plain JS data, guided by `hint`. */
export function readPlain(L: LuaState, idx: number, hint?: unknown, path = '$', depth = 0): unknown {
  if (depth > MAX_DEPTH) throw new LuaDataError(`${path}: nesting deeper than ${MAX_DEPTH}`);
  const abs = lua.lua_absindex(L, idx);
  const t = lua.lua_type(L, abs);
  switch (t) {
    case lua.LUA_TNIL:
      return undefined;
    case lua.LUA_TBOOLEAN:
      return lua.lua_toboolean(L, abs);
    case lua.LUA_TNUMBER:
      return lua.lua_tonumber(L, abs);
    case lua.LUA_TSTRING:
      return lua.lua_tojsstring(L, abs);
    case lua.LUA_TTABLE:
      return readTable(L, abs, hint, path, depth);
    default:
      throw new LuaDataError(`${path}: a Lua ${to_jsstring(lua.lua_typename(L, t))} is not plain data`);
  }
}

function readTable(L: LuaState, abs: number, hint: unknown, path: string, depth: number): unknown {
  lauxlib.luaL_checkstack(L, 4, to_luastring('readPlain'));
  // Collect entries first; classify as sequence or record afterwards.
  const entries: { key: string | number }[] = [];
  let allSeq = true;
  lua.lua_pushnil(L);
  while (lua.lua_next(L, abs) !== 0) {
    // stack: key, value. Read the key without lua_tostring (which would mutate it).
    let key: string | number;
    const kt = lua.lua_type(L, -2);
    if (kt === lua.LUA_TNUMBER) key = lua.lua_tonumber(L, -2);
    else if (kt === lua.LUA_TSTRING) key = lua.lua_tojsstring(L, -2);
    else throw new LuaDataError(`${path}: a table key of Lua type ${to_jsstring(lua.lua_typename(L, kt))} is not plain data`);
    if (typeof key !== 'number' || !Number.isInteger(key) || key < 1) allSeq = false;
    entries.push({ key });
    lua.lua_pop(L, 1);
  }
  const n = entries.length;
  if (allSeq) {
    const seen = new Array<boolean>(n).fill(false);
    for (const e of entries) {
      const k = e.key as number;
      if (k > n) allSeq = false;
      else seen[k - 1] = true;
    }
    if (allSeq && seen.some((s) => !s)) allSeq = false;
  }
  const hintIsObject = hint !== null && typeof hint === 'object' && !Array.isArray(hint);
  const hintIsArray = Array.isArray(hint);
  // A JS object whose keys happen to be "1".."n" would also be a sequence: trust the hint.
  const asArray = n === 0 ? !hintIsObject : allSeq && !hintIsObject;
  if (asArray) {
    const out: unknown[] = [];
    for (let i = 1; i <= n; i++) {
      lua.lua_rawgeti(L, abs, i);
      out.push(readPlain(L, -1, hintIsArray ? (hint as unknown[])[i - 1] : undefined, keyPath(path, i - 1), depth + 1));
      lua.lua_pop(L, 1);
    }
    return out;
  }
  const out: Record<string, unknown> = {};
  for (const e of entries) {
    const k = String(e.key);
    if (typeof e.key === 'number') lua.lua_pushnumber(L, e.key);
    else lua.lua_pushstring(L, to_luastring(e.key));
    lua.lua_rawget(L, abs);
    const sub = hintIsObject ? (hint as Record<string, unknown>)[k] : undefined;
    out[k] = readPlain(L, -1, sub, keyPath(path, k), depth + 1);
    lua.lua_pop(L, 1);
  }
  return out;
}
