// A host for the BUILT NodeMCU-Lua app: fengari (Lua 5.3, 32-bit lua_Integer like NodeMCU)
// with stand-ins for the NodeMCU modules the app calls (adc, gpio, tmr, node, file, uart,
// spi) and for dofile/print, all driven in deterministic virtual time.
//
// Stand-in behaviour, from the NodeMCU ESP32 module docs:
//   adc.read(ADC1, ch)   next code of that channel's queue (V and I: the signal pushed by
//                        the host, one code per read; other channels: a fixed code)
//   gpio.write/read      levels per pin; every write is logged with its virtual time
//   gpio.trig(pin, t, cb) the host raises an edge with edge(pin)
//   tmr.create():alarm   ms alarms, single or auto; runUntil(tUs) fires them in time order
//   node.uptime()        (low, high) 32-bit halves of the µs counter; time starts past
//                        2^32 µs so a 32-bit integer wrap in the app would show
//   dofile(name)         runs a file of the build folder (what SPIFFS would hold)
//   print                captured, one entry per call
import fengari from 'fengari';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pushPlain, readPlain } from '../../engines/lua-data';

const { lua, lauxlib, lualib, to_luastring, to_jsstring } = fengari;

/** The NodeMCU stand-ins as plain Lua 5.3 source (also run in Debian's lua5.3: tools/engines/lua53.ts). */
export const NODEMCU_STANDINS = `
fake = { now = 0, timers = {}, level = {}, writes = {}, trig = {}, queue = {}, head = {}, fixed = {}, out = {}, fs = {}, adc_setup = {}, reads = 0 }
adc = { ADC1 = 1, ATTEN_0db = 0, ATTEN_2_5db = 1, ATTEN_6db = 2, ATTEN_11db = 3,
  setwidth = function(u, bits) fake.width = bits end,
  setup = function(u, ch, at) fake.adc_setup[ch] = at end,
  read = function(u, ch)
    fake.reads = fake.reads + 1
    local q = fake.queue[ch]
    if q ~= nil then
      local h = (fake.head[ch] or 0) + 1
      fake.head[ch] = h
      local c = q[h]
      if c == nil then return 2048 end
      return c
    end
    return fake.fixed[ch] or 0
  end }
gpio = { IN = 0, OUT = 1, PULL_UP = 1, PULL_DOWN = 2, FLOATING = 0, INTR_UP = 1, INTR_DOWN = 2, INTR_UP_DOWN = 3, INTR_DISABLE = 0,
  config = function(c) if fake.level[c.gpio] == nil then fake.level[c.gpio] = 0 end end,
  read = function(p) return fake.level[p] or 0 end,
  write = function(p, l)
    fake.level[p] = l
    fake.writes[#fake.writes + 1] = { pin = p, level = l, t = fake.now }
  end,
  trig = function(p, t, cb) fake.trig[p] = cb end }
uart = { PARITY_NONE = 0, STOPBITS_1 = 1, setup = function() end, on = function() end, write = function() end }
spi = { HSPI = 2, master = function() return { device = function() return { transfer = function(self, s) return s end } end } end }
tmr = { ALARM_SINGLE = 0, ALARM_AUTO = 1, create = function()
  local t = {}
  function t:alarm(ms, mode, cb)
    if ms < 1 then error("tmr alarm: interval must be >= 1 ms, got " .. ms) end
    self.ms = ms; self.mode = mode; self.cb = cb; self.due = fake.now + ms * 1000.0; fake.timers[self] = true
    return true
  end
  function t:unregister() fake.timers[self] = nil end
  return t end }
node = { uptime = function()
  local hi = math.floor(fake.now / 4294967296.0)
  return fake.now - hi * 4294967296.0, hi
end }
file = { exists = function(name) return fake.fs[name] ~= nil end,
  open = function() return nil end, remove = function() end }
function dofile(name)
  local src = fake.fs[name]
  if src == nil then error("dofile: no file " .. name .. " in SPIFFS") end
  local f, err = load(src, "=" .. name)
  if f == nil then error(err) end
  return f()
end
function print(...)
  local parts = {}
  for i = 1, select("#", ...) do parts[i] = tostring((select(i, ...))) end
  fake.out[#fake.out + 1] = table.concat(parts, " ")
end
function fake_run_until(t)
  while true do
    local earliest = nil
    for tm in pairs(fake.timers) do
      if earliest == nil or tm.due < earliest.due or (tm.due == earliest.due and tm.seq < earliest.seq) then earliest = tm end
    end
    if earliest == nil or earliest.due > t then break end
    fake.now = earliest.due
    if earliest.mode == 0 then fake.timers[earliest] = nil else earliest.due = earliest.due + earliest.ms * 1000.0 end
    earliest.cb()
  end
  if fake.now < t then fake.now = t end
end
-- timers due at the same instant fire in creation order (deterministic, unlike pairs())
local create = tmr.create
local seq = 0
tmr.create = function() local t = create(); seq = seq + 1; t.seq = seq; return t end
return 0
`;

export class LuaSimError extends Error {}

function traceback(L: unknown): number {
  const msg = lauxlib.luaL_tolstring(L, 1);
  lauxlib.luaL_traceback(L, L, msg, 1);
  return 1;
}

export interface GpioWrite {
  pin: number;
  level: number;
  t: number;
}

/** One fengari state with the NodeMCU stand-ins and a build folder as its SPIFFS. */
export class NodemcuSim {
  private L: unknown;

  /** `files`: name -> Lua source (e.g. the files of build/lua/<board>/). `t0Us`: virtual boot time. */
  constructor(files: Record<string, string>, t0Us = 5e9) {
    this.L = lauxlib.luaL_newstate();
    lualib.luaL_openlibs(this.L);
    this.run(NODEMCU_STANDINS, 'nodemcu stand-ins');
    this.setGlobalPath('fake.now', t0Us);
    for (const name of Object.keys(files)) this.setGlobalPath(`fake.fs[${JSON.stringify(name)}]`, files[name]);
  }

  static fromBuild(dir: string, names: string[], t0Us?: number): NodemcuSim {
    const files: Record<string, string> = {};
    for (const n of names) files[n] = readFileSync(join(dir, n), 'utf8');
    return new NodemcuSim(files, t0Us);
  }

  /** Runs Lua source; returns its first result as plain data. */
  run(source: string, what = 'eval', hint?: unknown): unknown {
    const L = this.L;
    const base = lua.lua_gettop(L);
    try {
      lua.lua_pushcfunction(L, traceback);
      if (lauxlib.luaL_loadbuffer(L, to_luastring(source), null, to_luastring(`=${what}`)) !== lua.LUA_OK) {
        throw new LuaSimError(`Lua syntax in ${what}: ${to_jsstring(lua.lua_tostring(L, -1))}`);
      }
      if (lua.lua_pcall(L, 0, 1, base + 1) !== lua.LUA_OK) {
        throw new LuaSimError(`Lua error in ${what}: ${to_jsstring(lua.lua_tostring(L, -1) ?? to_luastring('?'))}`);
      }
      return lua.lua_isnil(L, -1) ? undefined : readPlain(L, -1, hint);
    } finally {
      lua.lua_settop(L, base);
    }
  }

  /** Assigns plain data to a global path (`fake.queue[0]`), through the stack. */
  setGlobalPath(path: string, value: unknown): void {
    const L = this.L;
    const base = lua.lua_gettop(L);
    try {
      pushPlain(L, value);
      lua.lua_setglobal(L, to_luastring('__host_value'));
      this.run(`${path} = __host_value; __host_value = nil; return nil`, `set ${path}`);
    } finally {
      lua.lua_settop(L, base);
    }
  }

  /** Calls global function path `fn` (e.g. 'app.bundled') with plain-data args; Lua-side glue in `wrap`. */
  call(fnExpr: string, args: unknown[], hint?: unknown): unknown {
    this.setGlobalPath('__host_args', args);
    return this.run(`local a = __host_args; __host_args = nil; return ${fnExpr}(table.unpack(a))`, fnExpr, hint);
  }

  /** Queues ADC codes for one ADC1 channel (read in order, one per adc.read). */
  queueAdc(channel: number, codes: number[]): void {
    this.setGlobalPath(`fake.queue[${channel}]`, codes);
    this.run(`fake.head[${channel}] = 0; return nil`);
  }

  fixedAdc(channel: number, code: number): void {
    this.setGlobalPath(`fake.fixed[${channel}]`, code);
  }

  runUntil(tUs: number): void {
    this.setGlobalPath('__host_t', tUs);
    this.run('fake_run_until(__host_t); __host_t = nil; return nil', 'fake_run_until');
  }

  now(): number {
    return this.run('return fake.now') as number;
  }

  /** Raises an edge on a pin whose gpio.trig callback is set. */
  edge(pin: number, level = 1): void {
    this.run(
      `fake.level[${pin}] = ${level}; local cb = fake.trig[${pin}]; if cb == nil then error("no gpio.trig on pin ${pin}") end; cb(${pin}, ${level}); return nil`,
      `edge ${pin}`,
    );
  }

  level(pin: number): number {
    return this.run(`return fake.level[${pin}] or -1`) as number;
  }

  writes(): GpioWrite[] {
    return this.run('return fake.writes', 'writes', [{ pin: 0, level: 0, t: 0 }]) as GpioWrite[];
  }

  printed(): string[] {
    return this.run('return fake.out', 'printed', ['']) as string[];
  }

  /**
   * Counts Lua VM instructions executed inside functions of one chunk (default: the built
   * app.lua): a count hook on every instruction looks at the running function's source.
   * The stand-ins' own Lua (timer loop, adc.read) is not counted, as on the board those
   * are C. Deterministic: same code, same count. (Use every = 1: fengari 0.1.5 fires
   * count hooks early for small counts > 1, e.g. every 3 instructions for 7.)
   */
  startCount(every = 1, source = '=app.lua'): void {
    this.run(
      `__count_n = 0; local getinfo = debug.getinfo
      debug.sethook(function() local i = getinfo(2, "S"); if i ~= nil and i.source == ${JSON.stringify(source)} then __count_n = __count_n + 1 end end, "", ${every})
      __count_every = ${every}; return nil`,
      'startCount',
    );
  }

  /** Stops the count; returns the estimated instructions since startCount. */
  stopCount(): number {
    return this.run('debug.sethook(); return __count_n * __count_every', 'stopCount') as number;
  }

  close(): void {
    if (this.L !== undefined) lua.lua_close(this.L);
    this.L = undefined;
  }
}
