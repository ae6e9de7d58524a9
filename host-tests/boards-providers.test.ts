// Device providers (hal/nodemcu, hal/espruino, hal/moddable) against stand-ins for their
// SDKs. NodeMCU: compiled by typescript-to-lua and run in fengari (Lua 5.3). Espruino:
// Espruino's globals faked in Node. Moddable: embedded:io/* and friends aliased to fakes
// by esbuild, and the bundle run in XS (xsnap).
import test from 'ava';
import { LuaRunner } from '../tools/engines/lua';
import { loadBoard } from '../boards/schema';
import { PolledAdc } from '../hal/common/polled-adc';
import { nvsKey } from '../hal/moddable/nvs-key';
import type { Analog, Timer } from '../hal/io';

const LUA_FAKES = `
fake = { now = 1000, hi = 1, timers = {}, gpio = {}, trig = {}, uart_cb = {}, uart_out = {}, files = {}, adc_setup = {}, reads = 0 }
adc = { ADC1 = 1, ATTEN_0db = 0, ATTEN_2_5db = 1, ATTEN_6db = 2, ATTEN_11db = 3,
  setwidth = function(u, bits) fake.width = bits end,
  setup = function(u, ch, at) fake.adc_setup[ch + 1] = at end,
  read = function(u, ch) fake.reads = fake.reads + 1; return ch * 100 + fake.reads end }
gpio = { IN = 0, OUT = 1, PULL_UP = 1, PULL_DOWN = 2, FLOATING = 0, INTR_UP = 1, INTR_DOWN = 2, INTR_UP_DOWN = 3, INTR_DISABLE = 0,
  config = function(c) fake.gpio[c.gpio] = 0 end,
  read = function(p) return fake.gpio[p] or 0 end,
  write = function(p, l) fake.gpio[p] = l end,
  trig = function(p, t, cb) fake.trig[p] = cb end }
function fake_gpio_edge(p) fake.trig[p](p, 1) end
uart = { PARITY_NONE = 0, STOPBITS_1 = 1,
  setup = function(id, baud, bits, par, stop, pins) fake.uart = { id = id, baud = baud, tx = pins.tx, rx = pins.rx } end,
  on = function(id, ev, n, cb, run) fake.uart_cb[id] = cb end,
  write = function(id, s) table.insert(fake.uart_out, s) end }
function fake_uart_feed(id, s) fake.uart_cb[id](s) end
spi = { HSPI = 2, master = function(h, cfg) fake.spi = cfg
  return { device = function(self, d) fake.spidev = d
    return { transfer = function(self, s) local r = {}
      for i = 1, #s do r[i] = string.char((s:byte(i) + 16) % 256) end
      return table.concat(r) end } end } end }
tmr = { ALARM_SINGLE = 0, ALARM_AUTO = 1, create = function()
  local t = {}
  function t:alarm(ms, mode, cb) self.ms = ms; self.mode = mode; self.cb = cb; self.due = fake.now + ms * 1000; fake.timers[self] = true; return true end
  function t:unregister() fake.timers[self] = nil end
  return t end }
function fake_fire_timers(rounds)
  for r = 1, rounds do
    local earliest = nil
    for t in pairs(fake.timers) do if earliest == nil or t.due < earliest.due then earliest = t end end
    if earliest == nil then return end
    fake.now = earliest.due
    if earliest.mode == 0 then fake.timers[earliest] = nil else earliest.due = earliest.due + earliest.ms * 1000 end
    earliest.cb()
  end
end
node = { uptime = function() return fake.now, fake.hi end }
file = { open = function(name, mode)
    if mode == 'r' and fake.files[name] == nil then return nil end
    if mode == 'w' then fake.files[name] = '' end
    local pos = 1
    return { read = function(self, n) local s = fake.files[name]; if pos > #s then return nil end
               local c = s:sub(pos, pos + n - 1); pos = pos + n; return c end,
             write = function(self, s) fake.files[name] = fake.files[name] .. s; return true end,
             close = function(self) end } end,
  remove = function(name) fake.files[name] = nil end }
return 0
`;

test('hal/nodemcu compiles to Lua and drives the NodeMCU modules (fengari)', (t) => {
  const board = loadBoard('nodemcu-32s-lua');
  const lua = LuaRunner.load('hal/nodemcu/probe.ts');
  try {
    lua.eval(LUA_FAKES);
    const r = lua.call('probe', board) as Record<string, unknown>;
    const hi = 4294967296;
    t.deepEqual(r, {
      analog: 1,
      resolution: 12,
      relayRead: 1,
      edges: 1,
      serialReadable: 3,
      serialBytes: [72, 105, 13],
      spi: [17, 18, 19],
      clock: 1000 + hi,
      storeRead: [7, 0, 255],
      storeAfterDelete: true,
      blocks: [
        [2, 303, 4, 305],
        [6, 307, 8, 309],
      ],
      blockTimes: [2000 + hi, 4000 + hi],
      overruns: 0,
      timerCalls: 1,
      timerIds: [2, 3],
    });
    t.deepEqual(lua.eval('return fake.uart_out'), ['OK', '\n']);
    t.deepEqual(
      lua.eval('return { fake.width, fake.adc_setup[1], fake.adc_setup[4], fake.uart.tx, fake.uart.rx, fake.spi.sclk, fake.spidev.cs, fake.spidev.freq }'),
      [12, 3, 3, 1, 3, 18, 5, 8000000],
    );
  } finally {
    lua.close();
  }
});

test('PolledAdc: interleaved blocks, first-sample times, overrun on a late tick', (t) => {
  let now = 0;
  let tick: () => void = () => {};
  const timer: Timer = { set: (cb) => ((tick = cb), 1), clear: () => {} };
  let n = 0;
  const analog = (pin: number): Analog => ({ resolution: 12, read: () => pin * 1000 + n++, close: () => {} });
  const blocks: [number[], number][] = [];
  const adc = new PolledAdc({ pins: [36, 39], rateHz: 1000, blockPairs: 2, onBlock: (b, tUs) => blocks.push([b.slice(), tUs]) }, 12, analog, timer, {
    now: () => now,
  });
  adc.start();
  for (const at of [1000, 2000, 3000, 4000, 8000, 9000]) {
    now = at;
    tick();
  }
  t.deepEqual(blocks, [
    [[36000, 39001, 36002, 39003], 1000],
    [[36004, 39005, 36006, 39007], 3000],
    [[36008, 39009, 36010, 39011], 8000],
  ]);
  t.is(adc.overruns, 1);
  t.throws(() => new PolledAdc({ pins: [1], rateHz: 1, blockPairs: 1, onBlock: () => {} }, 12, analog, timer, { now: () => 0 }), {
    message: 'ContinuousAdc pins: must be [voltagePin, currentPin], got 1 pins',
  });
});

test('nvsKey keeps short keys and shortens long ones to 15 characters, distinctly', (t) => {
  t.is(nvsKey('cal'), 'cal');
  t.is(nvsKey('123456789012345'), '123456789012345');
  const a = nvsKey('counter-high-water-mark-a');
  const b = nvsKey('counter-high-water-mark-b');
  t.is(a.length, 15);
  t.true(a.startsWith('counter-~'));
  t.not(a, b);
});

test('hal/espruino maps the HAL onto Espruino globals', async (t) => {
  const { createDevice, storageName } = await import('../hal/espruino/device');
  const g = globalThis as any;
  const saved: Record<string, unknown> = {};
  const log: unknown[] = [];
  const files: Record<string, Uint8Array> = {};
  let watchCb: (() => void) | undefined;
  let dataCb: ((d: string) => void) | undefined;
  const timers: { cb: () => void; ms: number; kind: string; id: number }[] = [];
  let tid = 100;
  const fakes: Record<string, unknown> = {
    analogRead: (pin: number) => (pin === 36 ? 0.5 : 1),
    digitalRead: (pin: number) => (pin === 26 ? 1 : 0),
    digitalWrite: (pin: number, v: number) => log.push(['write', pin, v]),
    pinMode: (pin: number, mode: string) => log.push(['mode', pin, mode]),
    setWatch: (cb: () => void, pin: number, o: unknown) => ((watchCb = cb), log.push(['watch', pin, o]), 7),
    clearWatch: (id: number) => log.push(['clearWatch', id]),
    getTime: () => 12.5,
    Serial1: {
      setup: (b: number, o: unknown) => log.push(['setup1', b, o]),
      on: (_e: string, cb: (d: string) => void) => (dataCb = cb),
      write: (d: unknown) => log.push(['tx', d]),
      removeAllListeners: () => log.push(['off']),
    },
    Serial2: { setup: (b: number, o: unknown) => log.push(['setup2', b, o]), on: () => {}, write: () => {}, removeAllListeners: () => {} },
    SPI1: { setup: (o: unknown) => log.push(['spi', o]), send: (d: Uint8Array, cs: number) => (log.push(['cs', cs]), d.map((x) => x ^ 0xff)) },
    require: (m: string) =>
      m === 'Storage'
        ? {
            write: (n: string, d: Uint8Array) => ((files[n] = d.slice()), true),
            readArrayBuffer: (n: string) => files[n]?.slice().buffer,
            erase: (n: string) => delete files[n],
          }
        : undefined,
    setTimeout: (cb: () => void, ms: number) => (timers.push({ cb, ms, kind: 'timeout', id: ++tid }), tid),
    setInterval: (cb: () => void, ms: number) => (timers.push({ cb, ms, kind: 'interval', id: ++tid }), tid),
    clearTimeout: (id: number) => log.push(['clearTimeout', id]),
    clearInterval: (id: number) => log.push(['clearInterval', id]),
  };
  for (const k of Object.keys(fakes)) {
    saved[k] = g[k];
    g[k] = fakes[k];
  }
  try {
    const board = loadBoard('espruino-esp32-wroom');
    const dev = createDevice(board);
    t.is(new dev.io.Analog({ pin: 36 }).read(), 2048, '0.5 of a 12-bit range');
    t.is(new dev.io.Analog({ pin: 39 }).read(), 4095);
    let edges = 0;
    const cmp = new dev.io.Digital({ pin: 27, mode: 'inputPullUp', edge: 2, onReadable: () => edges++ });
    watchCb?.();
    t.is(edges, 1);
    cmp.close();
    const relay = new dev.io.Digital({ pin: 26, mode: 'output' });
    relay.write(1);
    t.is(relay.read(), 1);
    t.throws(() => new dev.io.Digital({ pin: 1, mode: 'bogus' as any }), {
      message: 'Digital mode: must be one of input, inputPullUp, inputPullDown, output, outputOpenDrain, got bogus',
    });
    let readable = 0;
    const serial = new dev.io.Serial({ baud: 115200, onReadable: (n) => (readable = n) });
    dataCb?.('Hi\r');
    t.is(readable, 3);
    t.deepEqual([serial.read(), serial.read(), serial.read(), serial.read()], [72, 105, 13, undefined]);
    serial.write(Uint8Array.of(79, 75));
    const buf = Uint8Array.of(1, 2);
    new dev.io.SPI({ select: 5, hz: 8e6 }).transfer(buf);
    t.deepEqual([...buf], [254, 253]);
    t.is(dev.clock.now(), 12.5e6);
    dev.store.write('cal', Uint8Array.of(7, 0, 255));
    t.deepEqual([...(dev.store.read('cal') as Uint8Array)], [7, 0, 255]);
    dev.store.delete('cal');
    t.is(dev.store.read('cal'), undefined);
    t.is(storageName('x'.repeat(28)).length, 28);
    t.throws(() => storageName('x'.repeat(29)), { message: /^store key: must be at most 28 characters on Espruino, got 29/ });
    // repeating timer: a timeout for the first call, then an interval, cleared as one id
    let calls = 0;
    const id = dev.timer.set(() => calls++, 2000, 1000);
    t.is(timers.length, 1);
    t.deepEqual([timers[0].kind, timers[0].ms], ['timeout', 2]);
    timers[0].cb();
    t.deepEqual([timers[1].kind, timers[1].ms], ['interval', 1]);
    t.is(calls, 1);
    dev.timer.clear(id);
    t.deepEqual(log.slice(-2), [
      ['clearTimeout', timers[0].id],
      ['clearInterval', timers[1].id],
    ]);
    t.deepEqual(
      log.filter((e) => Array.isArray(e) && ['mode', 'watch', 'setup1', 'tx', 'spi', 'cs', 'write', 'clearWatch'].includes(e[0] as string)),
      [
        ['mode', 27, 'input_pullup'],
        ['watch', 27, { repeat: true, edge: 'falling', debounce: 0 }],
        ['clearWatch', 7],
        ['mode', 26, 'output'],
        ['write', 26, 1],
        ['setup1', 115200, {}],
        ['tx', Uint8Array.of(79, 75)],
        ['spi', { sck: 18, mosi: 23, miso: 19, baud: 8e6, mode: 0 }],
        ['cs', 5],
      ],
    );
  } finally {
    for (const k of Object.keys(fakes)) g[k] = saved[k];
  }
});

const MODDABLE_FAKES: Record<string, string> = {
  'embedded:io/analog': `export default class Analog { constructor(o) { this.pin = o.pin; this.resolution = o.resolution; } read() { globalThis.fakeLog.push(['analog', this.pin]); return this.pin * 10 + globalThis.fakeLog.length; } close() {} }`,
  'embedded:io/digital': `export default class Digital {
    constructor(o) { this.pin = o.pin; this.v = 0; globalThis.fakeLog.push(['digital', o.pin, o.mode, o.edge === undefined ? null : o.edge]); if (o.onReadable) globalThis.fakeEdges[o.pin] = o.onReadable; }
    read() { return this.v; } write(v) { this.v = v; globalThis.fakeLog.push(['write', this.pin, v]); } close() {} }
    Digital.Input = 10; Digital.InputPullUp = 11; Digital.InputPullDown = 12; Digital.Output = 13; Digital.OutputOpenDrain = 14; Digital.Rising = 1; Digital.Falling = 2;`,
  'embedded:io/serial': `export default class Serial { constructor(o) { globalThis.fakeLog.push(['serial', o.port, o.baud, o.transmit, o.receive, o.format]); this.q = Uint8Array.of(72, 105).buffer; if (o.onWritable) o.onWritable(128); } read() { const q = this.q; this.q = undefined; return q; } write(b) { globalThis.fakeLog.push(['tx', Array.from(new Uint8Array(b))]); } close() {} }`,
  'embedded:io/spi': `export default class SPI { constructor(o) { globalThis.fakeLog.push(['spi', o.port, o.select, o.active, o.hz, o.in, o.out, o.clock]); } transfer(b) { for (let i = 0; i < b.length; i++) b[i] = b[i] + 100; } close() {} }`,
  timer: `const timers = []; export default { set(cb, ms, rep) { const t = { cb, ms, rep }; timers.push(t); return t; }, clear(t) { const i = timers.indexOf(t); if (i >= 0) timers.splice(i, 1); } };
    globalThis.fakeFireTimers = (n) => { for (let r = 0; r < n && timers.length > 0; r++) { const t = timers[0]; if (t.rep === undefined) timers.shift(); globalThis.fakeNow += (t.rep ?? t.ms) * 1000; t.cb(); } };`,
  time: `export default { get ticks() { return globalThis.fakeNow / 1000; }, get microseconds() { return globalThis.fakeNow; } };`,
  preference: `const m = {}; export default { get(d, k) { return m[d + '/' + k]; }, set(d, k, v) { if (k.length > 15) throw new Error('key too long ' + k); m[d + '/' + k] = v; }, delete(d, k) { delete m[d + '/' + k]; } };`,
};

test('hal/moddable drives ECMA-419 IO and Moddable modules, running in XS', async (t) => {
  const { build } = await import('esbuild');
  const { XsWorker } = await import('../tools/engines/xsnap');
  const bundle = await build({
    entryPoints: ['hal/moddable/probe.ts'],
    bundle: true,
    write: false,
    format: 'iife',
    globalName: 'ModdableProbe',
    footer: { js: 'globalThis.ModdableProbe = ModdableProbe;' },
    target: 'es2020',
    platform: 'neutral',
    plugins: [
      {
        name: 'moddable-fakes',
        setup(b) {
          b.onResolve({ filter: /^(embedded:io\/\w+|timer|time|preference)$/ }, (a) => ({ path: a.path, namespace: 'fake' }));
          b.onLoad({ filter: /.*/, namespace: 'fake' }, (a) => ({ contents: MODDABLE_FAKES[a.path], loader: 'js' }));
        },
      },
    ],
  });
  const board = loadBoard('esp32-devkitc-meter');
  const lines: string[] = [];
  const xs = await XsWorker.start({ name: 'moddable-probe', onPrint: (l: string) => lines.push(l) });
  try {
    await xs.evaluate(
      `globalThis.fakeLog = []; globalThis.fakeEdges = {}; globalThis.fakeNow = 5000; globalThis.fakeRaiseEdge = (p) => globalThis.fakeEdges[p]();`,
    );
    await xs.evaluate(bundle.outputFiles[0].text);
    await xs.evaluate(`print(JSON.stringify({ r: ModdableProbe.probe(${JSON.stringify(board)}), log: fakeLog }))`);
  } finally {
    await xs.close();
  }
  const { r, log } = JSON.parse(lines[lines.length - 1]);
  t.is(r.analog, 36 * 10 + 1);
  t.is(r.edges, 1);
  t.is(r.relay, 1);
  t.deepEqual(r.serialIn, [72, 105]);
  t.deepEqual(r.spi, [101, 102, 103]);
  t.is(r.clock, 5000);
  t.deepEqual(r.store, [9, 8]);
  t.true(r.storeGone);
  t.is(r.blocks.length, 2);
  t.deepEqual(
    log.filter((e: unknown[]) => ['digital', 'serial', 'tx', 'spi'].includes(e[0] as string)),
    [
      ['digital', 27, 10, 1],
      ['digital', 26, 13, null],
      ['serial', 0, 115200, 1, 3, 'buffer'],
      ['tx', [79, 75]],
      ['spi', 2, 5, 0, 8e6, 19, 23, 18],
    ],
  );
});
