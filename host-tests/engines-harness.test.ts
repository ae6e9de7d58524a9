// The three-engine harness itself can fail: it detects a function that differs between
// engines, reports script errors from XS and Lua, round-trips nested data, and its XS
// compute meter is deterministic and grows with work.
import test from 'ava';
import fc from 'fast-check';
import fengari from 'fengari';
import { EngineSession, compareParity, measureXs, parityDiffs } from '../tools/engines/run';
import { ABS_FLOOR } from '../tools/engines/parity';
import { XsWorker, XsError } from '../tools/engines/xsnap';
import { LuaError, compileToLua } from '../tools/engines/lua';
import { pushPlain, readPlain } from '../tools/engines/lua-data';

const FIX = 'tools/engines/fixtures/harness-fixtures.ts';
const BAD_LUA = 'tools/engines/fixtures/bad-lua.ts';
const session = new EngineSession();
test.after.always(() => session.close());

// Plain data as the harness defines it: no null/undefined, no -0 (JSON would turn it into 0).
const plainValue = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.double({ noDefaultInfinity: false }).filter((x) => !Object.is(x, -0)),
    fc.integer({ min: -(2 ** 40), max: 2 ** 40 }),
    fc.string({ unit: 'grapheme', maxLength: 12 }),
    fc.boolean(),
    fc.array(tie('value'), { maxLength: 5 }),
    fc.dictionary(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 6 }), tie('value'), { maxKeys: 5 }),
  ),
})).value;

test('compareParity lists differences with paths, tolerates float noise, not integer changes', (t) => {
  const a = { cases: [{ name: 'x', rms: 1.5, count: 3, flags: ['a'] }], ok: true };
  t.deepEqual(compareParity(a, structuredClone(a)), []);
  t.deepEqual(compareParity(a, { cases: [{ name: 'x', rms: 1.5 * (1 + 1e-12), count: 3, flags: ['a'] }], ok: true }), []);
  t.deepEqual(compareParity({ z: 0 }, { z: ABS_FLOOR / 2 }), []);
  t.deepEqual(compareParity({ n: NaN }, { n: NaN }), []);
  const b = { cases: [{ name: 'y', rms: 1.6, count: 4, flags: [] }], extra: 1 };
  t.deepEqual(compareParity(a, b), [
    '$.cases[0].name: "x" vs "y"',
    '$.cases[0].rms: 1.5 vs 1.6',
    '$.cases[0].count: 3 vs 4',
    '$.cases[0].flags: length 1 vs 0',
    '$.ok: present (true) vs missing',
    '$.extra: missing vs present (1)',
  ]);
  t.deepEqual(compareParity([1, 'a'], [1, 2]), ['$[1]: string "a" vs number 2']);
  t.deepEqual(compareParity({ x: Infinity }, { x: 1e308 }), ['$.x: Infinity vs 1e+308']);
});

test('compareParity finds any single changed leaf (property)', (t) => {
  fc.assert(
    fc.property(fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 20 }), fc.nat(), (xs, k) => {
      const i = k % xs.length;
      const ys = xs.slice();
      ys[i] = xs[i] + Math.max(1, Math.abs(xs[i])) * 1e-6;
      const d = compareParity({ xs }, { xs: ys });
      return d.length === 1 && d[0].startsWith(`$.xs[${i}]:`) && compareParity({ xs }, { xs: xs.slice() }).length === 0;
    }),
  );
  t.pass();
});

test('a function that differs between engines is detected (Lua truthiness of 0 and "")', async (t) => {
  const r = await session.runEverywhere(FIX, 'truthy', { values: [0, 1, 2.5], texts: ['', 'a'] });
  t.deepEqual(r.node, ['no', 'yes', 'yes', 'no', 'yes']);
  t.deepEqual(r.xs, r.node);
  t.deepEqual(r.lua, ['yes', 'yes', 'yes', 'yes', 'yes']);
  t.deepEqual(parityDiffs(r), ['lua $[0]: "no" vs "yes"', 'lua $[3]: "no" vs "yes"']);
});

test('a float in a template string differs in Lua (why number-to-string is flagged)', async (t) => {
  const r = await session.runEverywhere(FIX, 'formatted', { x: 2 });
  t.is(r.node, 'x=2');
  t.is(r.xs, 'x=2');
  t.is(r.lua, 'x=2.0');
});

test('an XS script error is reported, and the worker stays usable', async (t) => {
  const err = await t.throwsAsync(session.callXs(FIX, 'boom', { why: 'xs-side' }), { instanceOf: XsError });
  t.regex(err!.message, /boom: xs-side/);
  const again = await session.callXs(FIX, 'identity', { a: [1, 2] });
  t.deepEqual(again.value, { a: [1, 2] });
  await t.throwsAsync(session.callXs(FIX, 'noSuchExport', {}), { message: /no exported function 'noSuchExport'/ });
});

test('XsWorker reports syntax errors, print() output and issueCommand round trips', async (t) => {
  const w = await XsWorker.start({ name: 'harness-test' });
  try {
    await t.throwsAsync(w.evaluate('let = ;'), { instanceOf: XsError });
    const seen: string[] = [];
    w.onCommand((bytes) => {
      seen.push(new TextDecoder().decode(bytes));
      return new TextEncoder().encode('pong');
    });
    await w.evaluate(`const r = issueCommand(new TextEncoder().encode('ping').buffer); print('got ' + new TextDecoder().decode(r));`);
    t.deepEqual(seen, ['ping']);
    // print() goes to stdout, which may trail the answer on fd 4: wait for it on the event loop.
    for (let i = 0; i < 100 && !w.printed.includes('got pong'); i++) await new Promise((r) => setImmediate(r));
    t.true(w.printed.includes('got pong'));
  } finally {
    await w.close();
  }
  await t.throwsAsync(w.evaluate('1'), { instanceOf: XsError });
});

test('XsWorker names the missing binary and the npm fix', async (t) => {
  await t.throwsAsync(XsWorker.start({ binary: '/nonexistent/xsnap-worker' }), { message: /npm ci.*install-scripts approve @agoric\/xsnap/ });
});

test('a Lua runtime error is reported with its message', (t) => {
  const err = t.throws(() => session.callLua(FIX, 'boom', { why: 'lua-side' }), { instanceOf: LuaError });
  t.regex(err!.message, /boom: lua-side/);
});

test('typescript-to-lua errors fail the Lua build with file:line', (t) => {
  const err = t.throws(() => compileToLua(BAD_LUA), { instanceOf: LuaError });
  t.regex(err!.message, /bad-lua\.ts\(\d+,\d+\): error TS\d+: .*shift/);
});

test('Lua conversion round-trips nested plain data (direct and through Lua code)', (t) => {
  const { lauxlib, lua } = fengari;
  const L = lauxlib.luaL_newstate();
  try {
    fc.assert(
      fc.property(plainValue, (v) => {
        pushPlain(L, v);
        const back = readPlain(L, -1, v);
        lua.lua_settop(L, 0);
        t.deepEqual(back, v);
        t.deepEqual(session.callLua(FIX, 'identity', v, v), v);
      }),
      { numRuns: 200 },
    );
  } finally {
    lua.lua_close(L);
  }
  // Past fengari's 32-bit lua_Integer: numbers travel as floats.
  const big = { t: 3e9, n: -(2 ** 40), f: 0.1, s: 'µs ✓', deep: [[[{ a: [] as number[] }]]] };
  t.deepEqual(session.callLua(FIX, 'identity', big, big), big);
  t.throws(() => session.callLua(FIX, 'identity', { a: [1, null] }), { message: /\$\.a\[1\]: null/ });
});

test('empty tables come back as [] or {} by the shape hint', async (t) => {
  const r = await session.runEverywhere(FIX, 'empties', { n: 0 });
  t.deepEqual(r.lua, { list: [], map: {}, nested: [{ a: [] }] });
  t.deepEqual(parityDiffs(r), []);
  t.deepEqual(session.callLua(FIX, 'empties', { n: 0 }), { list: [], map: [], nested: [{ a: [] }] });
});

test('XS round-trips plain data including NaN and Infinity', async (t) => {
  await fc.assert(
    fc.asyncProperty(plainValue, async (v) => {
      const r = await session.callXs(FIX, 'identity', v);
      t.deepEqual(compareParity(v, r.value, 0), []);
    }),
    { numRuns: 100 },
  );
});

test('the XS compute meter is deterministic and grows with work', async (t) => {
  const a = await session.callXs(FIX, 'work', { n: 1000 });
  const b = await session.callXs(FIX, 'work', { n: 1000 });
  const c = await session.callXs(FIX, 'work', { n: 2000 });
  t.is(a.meter.compute, b.meter.compute);
  t.true(c.meter.compute > a.meter.compute * 1.5, `${c.meter.compute} vs ${a.meter.compute}`);
  const m1 = await measureXs(FIX, 'globalThis.inp = { n: 100 };', 'entry.work(inp);', 50);
  const m2 = await measureXs(FIX, 'globalThis.inp = { n: 100 };', 'entry.work(inp);', 50);
  const m3 = await measureXs(FIX, 'globalThis.inp = { n: 200 };', 'entry.work(inp);', 50);
  t.is(m1.computePerStep, m2.computePerStep);
  t.true(m1.computePerStep > 0);
  t.true(m3.computePerStep > m1.computePerStep * 1.5);
  t.log(`work(n=100): ${m1.computePerStep} computrons/step, loop overhead ${m1.loopOverheadPerStep}`);
});
