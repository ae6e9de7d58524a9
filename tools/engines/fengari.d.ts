// Minimal typing for fengari 0.1.5 (Lua 5.3 in JS; it ships no .d.ts). The C-API
// mirrors lua.h/lauxlib.h/lualib.h; strings are Uint8Array "luastrings".
declare module 'fengari' {
  type LuaState = any;
  type LuaString = Uint8Array;
  const fengari: {
    lua: { [name: string]: any };
    lauxlib: { [name: string]: any };
    lualib: { [name: string]: any };
    to_luastring(s: string, cache?: boolean): LuaString;
    to_jsstring(s: LuaString): string;
    FENGARI_VERSION: string;
  };
  export default fengari;
  export type { LuaState, LuaString };
}
