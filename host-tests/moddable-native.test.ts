// The native Moddable pieces (hal/moddable/native): what can be proved without the SDK,
// ESP-IDF or a board (docs/MODDABLE-NATIVE.md):
//   - the C compiles (gcc -fsyntax-only) against stub headers copied from the real ones,
//     every "@" host function of the JS classes exists in the C, and a broken call fails;
//   - the TypeScript side (frame decoding, channel routing, 12-bit masking, decimation,
//     time stamps, overruns, the trip ISR's Digital) on the simulated board, with fake
//     native classes that hand it adc_digi_output_data_t byte frames;
//   - the manifest fragment is valid and the build option includes it.
import test, { type Implementation } from 'ava';
import fc from 'fast-check';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadBoard } from '../boards/schema';
import type { BoardDescription } from '../boards/board';
import { SimBoard } from '../hal/sim/board';
import { MeterNode } from '../firmware/app/meter-node';
import { EDGE_RISING } from '../hal/io';
import type { ContinuousAdc } from '../hal/io';
import {
  NativeContinuousAdc,
  decodeFrame,
  decodeLocked,
  describeStatus,
  planContinuousAdc,
  RESULT_BYTES,
  POOL_FRAMES,
  type NativeAdc,
  type NativeAdcOptions,
  type AdcPlan,
} from '../hal/moddable/continuous-adc';
import { TripIsrDigital, type NativeTrip, type NativeTripOptions } from '../hal/moddable/trip-isr';
import { nativeBoard as nativeBoardOf, withNative } from '../hal/moddable/native/with-native';
import { buildModdableWith, NATIVE_FILES, REPO_ROOT } from '../tools/build/moddable';

const NATIVE = join(REPO_ROOT, 'hal/moddable/native');
const STUBS = join(REPO_ROOT, 'host-tests/fixtures/native-stubs');
const C_FILES = ['adc-continuous.c', 'trip-isr.c'];

function gccAvailable(): boolean {
  const r = spawnSync('gcc', ['--version'], { encoding: 'utf8' });
  return r.status === 0;
}
/** a test that needs gcc: skipped, with the reason in its title, where gcc is missing (never a vacuous pass) */
const gccTest: (title: string, fn: Implementation<[]>) => void = gccAvailable()
  ? (title, fn) => test(title, fn)
  : (title, fn) => test.skip(`${title} [SKIPPED: gcc is not on PATH (Debian build-essential)]`, fn);
function gccCheck(file: string): { ok: boolean; out: string } {
  const r = spawnSync('gcc', ['-fsyntax-only', '-std=gnu11', '-Wall', '-Wextra', '-Werror', '-Wno-unused-parameter', '-I', STUBS, '-I', NATIVE, file], {
    encoding: 'utf8',
  });
  return { ok: r.status === 0, out: `${r.stdout}${r.stderr}` };
}

// ---------------------------------------------------------------- C

for (const f of C_FILES) {
  gccTest(`C: ${f} compiles against the stub SDK/IDF headers (gcc -fsyntax-only -Wall -Wextra -Werror)`, (t) => {
    const r = gccCheck(join(NATIVE, f));
    t.true(r.ok, r.out);
  });
}

gccTest('C: the stub check can fail: a wrong-arity driver call and an unknown xsID are rejected', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'native-bad-'));
  try {
    const src = readFileSync(join(NATIVE, 'adc-continuous.c'), 'utf8');
    writeFileSync(join(dir, 'control.c'), src); // the unmutated copy compiles from the temp dir: failures below are the mutations
    t.true(gccCheck(join(dir, 'control.c')).ok);
    const arity = src.replace('adc_continuous_read(adc->handle, ', 'adc_continuous_read('); // 4 arguments for 5;
    t.not(arity, src);
    writeFileSync(join(dir, 'a.c'), arity);
    t.false(gccCheck(join(dir, 'a.c')).ok);
    const trip = readFileSync(join(NATIVE, 'trip-isr.c'), 'utf8');
    const id = trip.replace('xsID_onTrip', 'xsID_onTripp');
    t.not(id, trip);
    writeFileSync(join(dir, 'b.c'), id);
    t.false(gccCheck(join(dir, 'b.c')).ok);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('C: every "@" host function of the JS classes is defined (non-static) in its C file', (t) => {
  for (const base of ['adc-continuous', 'trip-isr']) {
    const js = readFileSync(join(NATIVE, `${base}.js`), 'utf8');
    const c = readFileSync(join(NATIVE, `${base}.c`), 'utf8');
    const names = [...js.matchAll(/@\s*"([A-Za-z_0-9]+)"/g)].map((m) => m[1]);
    t.true(names.length >= 5, base);
    for (const n of names) {
      const re = new RegExp(`^void ${n}\\((xsMachine \\*the|void \\*data)\\)`, 'm');
      t.regex(c, re, `${base}.c: ${n}`);
    }
    // every xsID_ the C uses is a property name the TypeScript passes (the options objects)
    const ids = [...new Set([...c.matchAll(/xsID_([A-Za-z]+)/g)].map((m) => m[1]))].filter((x) => x !== 'length');
    const ts = readFileSync(join(REPO_ROOT, base === 'adc-continuous' ? 'hal/moddable/continuous-adc.ts' : 'hal/moddable/trip-isr.ts'), 'utf8');
    for (const id of ids) t.true(ts.includes(`${id}:`), `${base}: option ${id} is not in the TS options`);
  }
});

// ---------------------------------------------------------------- plan and decoder

test('plan: 4000 pairs/s runs the converter at 24 kHz (D = 3, above the ESP32 20 kHz floor)', (t) => {
  const p = planContinuousAdc([36, 39], 4000, 8);
  t.is(p.vChannel, 0);
  t.is(p.iChannel, 3);
  t.is(p.decimation, 3);
  t.is(p.aggregateHz, 24000);
  t.is(p.frameBytes, 8 * 3 * 2 * RESULT_BYTES);
  t.true(Math.abs(p.skewUs - 1e6 / 24000) < 1e-9);
  t.is(planContinuousAdc([36, 39], 10000, 8).decimation, 1);
  t.is(planContinuousAdc([36, 39], 1000, 8).decimation, 10);
});

test('plan: bad options name the field and the allowed range', (t) => {
  t.throws(() => planContinuousAdc([25, 39], 4000, 8), {
    message: /pins\[0\] \(voltage\): GPIO 25 is not an ADC1 pin \(allowed: 36, 37, 38, 39, 32, 33, 34, 35\)/,
  });
  t.throws(() => planContinuousAdc([36, 36], 4000, 8), { message: /different channels/ });
  t.throws(() => planContinuousAdc([36], 4000, 8), { message: /pins: must be \[voltagePin, currentPin\]/ });
  t.throws(() => planContinuousAdc([36, 39], 0, 8), { message: /rateHz: must be an integer 1 \.\. 1000000/ });
  t.throws(() => planContinuousAdc([36, 39], 4000, 0), {
    message: /blockPairs: must be an integer 1 \.\. 341 at 4000 pairs\/s \(frame at most 4096 bytes\), got 0/,
  });
  t.throws(() => planContinuousAdc([36, 39], 4000, 342), { message: /blockPairs/ });
});

/** adc_digi_output_data_t type1, little-endian: data:12 | channel:4 << 12 */
function encode(entries: { ch: number; code: number }[]): Uint8Array {
  const b = new Uint8Array(entries.length * RESULT_BYTES);
  entries.forEach((e, k) => {
    const w = ((e.ch & 0xf) << 12) | (e.code & 0xfff);
    b[2 * k] = w & 0xff;
    b[2 * k + 1] = w >> 8;
  });
  return b;
}
function pairsOf(plan: AdcPlan, codes: number[]): { ch: number; code: number }[] {
  const out: { ch: number; code: number }[] = [];
  for (let k = 0; k < codes.length; k += 2) out.push({ ch: plan.vChannel, code: codes[k] }, { ch: plan.iChannel, code: codes[k + 1] });
  return out;
}

test('decoder: routes by channel field, masks to 12 bits, averages D raw pairs (property)', (t) => {
  fc.assert(
    fc.property(
      fc.constantFrom(1000, 4000, 10000),
      fc.integer({ min: 1, max: 16 }),
      fc.array(fc.integer({ min: 0, max: 4095 }), { minLength: 2 * 16 * 10, maxLength: 2 * 16 * 10 }),
      (rate, pairs, pool) => {
        const plan = planContinuousAdc([34, 35], rate, pairs);
        const raw = pool.slice(0, 2 * pairs * plan.decimation);
        const out: number[] = [];
        if (decodeLocked(encode(pairsOf(plan, raw)), plan.frameBytes, plan, { order: 0 }, out) !== 0) return false;
        for (let k = 0; k < pairs; k++) {
          let sv = 0,
            si = 0;
          for (let j = 0; j < plan.decimation; j++) {
            sv += raw[2 * (k * plan.decimation + j)];
            si += raw[2 * (k * plan.decimation + j) + 1];
          }
          if (Math.abs(out[2 * k] - sv / plan.decimation) > 1e-9 || Math.abs(out[2 * k + 1] - si / plan.decimation) > 1e-9) return false;
        }
        return true;
      },
    ),
    { numRuns: 200 },
  );
  // full-scale codes on channel 7 must not pick up the channel bits (0x7fff -> 4095)
  const plan = planContinuousAdc([34, 35], 10000, 1); // ADC1 ch6, ch7
  const out: number[] = [];
  t.is(
    decodeLocked(
      encode([
        { ch: 6, code: 4095 },
        { ch: 7, code: 4095 },
      ]),
      plan.frameBytes,
      plan,
      { order: 0 },
      out,
    ),
    0,
  );
  t.deepEqual(out, [4095, 4095]);
});

test('decoder: drops a frame with a wrong channel order, a foreign channel or a short length', (t) => {
  const plan = planContinuousAdc([36, 39], 10000, 4);
  const out: number[] = [];
  const st = { order: 0 };
  const good = pairsOf(plan, [1, 2, 3, 4, 5, 6, 7, 8]);
  t.is(decodeLocked(encode(good), plan.frameBytes, plan, st, out), 0);
  t.is(st.order, 1); // V, I locked
  const swapped = good.slice();
  [swapped[2], swapped[3]] = [swapped[3], swapped[2]]; // I before V in pair 1
  t.is(decodeLocked(encode(swapped), plan.frameBytes, plan, st, out), 3);
  t.regex(describeStatus(3, plan), /channel order at entry 2: expected channels 0 \(V\) and 3 \(I\)/);
  const shifted = [...good.slice(1), good[0]]; // one entry lost: I, V, I, V ... a consistent I,V order
  t.is(decodeLocked(encode(shifted), plan.frameBytes, plan, st, out), 1, 'locked V,I: a shift is caught');
  t.is(decodeLocked(encode(shifted), plan.frameBytes, plan, { order: 0 }, out), 0, 'unlocked: the same bytes read as the I,V order');
  const foreign = good.slice();
  foreign[5] = { ch: 6, code: 9 };
  t.is(decodeLocked(encode(foreign), plan.frameBytes, plan, st, out), 5);
  t.is(decodeLocked(encode(good), plan.frameBytes - 4, plan, st, out), -1);
  t.regex(describeStatus(-1, plan), /frame length is not 16 bytes/);
  t.is(st.order, 1);
});

test('decoder: the ESP32 I2S word order (I, V in each 32-bit word) is detected and locked', (t) => {
  const plan = planContinuousAdc([36, 39], 4000, 2); // D = 3: 6 raw pairs
  const codes = [100, 4000, 110, 3990, 120, 3980, 2000, 10, 2010, 20, 2020, 30];
  const entries = pairsOf(plan, codes);
  const swappedEntries: typeof entries = [];
  for (let k = 0; k < entries.length; k += 2) swappedEntries.push(entries[k + 1], entries[k]);
  const out: number[] = [];
  t.is(decodeFrame(encode(swappedEntries), plan, out, true), 0);
  t.deepEqual(out, [110, 3990, 2010, 20]);
  t.is(decodeFrame(encode(swappedEntries), plan, out, false), 1);
  const st = { order: 0 };
  t.is(decodeLocked(encode(swappedEntries), plan.frameBytes, plan, st, out), 0);
  t.is(st.order, 2);
  t.deepEqual(out, [110, 3990, 2010, 20]);
  t.is(decodeLocked(encode(entries), plan.frameBytes, plan, st, out), 1, 'a V,I frame after locking I,V is dropped');
});

gccTest('C decoder (adc-decode.h) compiled and run by gcc agrees with the TypeScript reference on 3000 frames', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'native-decode-'));
  try {
    // harness: per line "v i d pairs order length hex" -> "status order sums..." (one state per run of lines until order is reset by 9)
    writeFileSync(
      join(dir, 'h.c'),
      `#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "adc-decode.h"
static uint8_t frame[8192];
static uint32_t sums[4096];
int main(void) {
	static char line[20000];
	while (fgets(line, sizeof line, stdin)) {
		unsigned v, i, d, pairs, order, length; int off = 0;
		if (6 != sscanf(line, "%u %u %u %u %u %u %n", &v, &i, &d, &pairs, &order, &length, &off)) return 2;
		char *hex = line + off; size_t n = strlen(hex) / 2;
		for (size_t k = 0; k < n; k++) { unsigned b; sscanf(hex + 2 * k, "%2x", &b); frame[k] = (uint8_t)b; }
		MeterAdcPlan plan = { (uint8_t)v, (uint8_t)i, (uint8_t)d, (uint16_t)pairs };
		uint8_t o = (uint8_t)order;
		int32_t status = meterAdcDecode(frame, length, &plan, &o, sums);
		printf("%d %u", (int)status, (unsigned)o);
		if (0 == status) for (unsigned k = 0; k < 2 * pairs; k++) printf(" %u", (unsigned)sums[k]);
		printf("\\n");
	}
	return 0;
}
`,
    );
    const cc = spawnSync('gcc', ['-std=c99', '-O1', '-Wall', '-Wextra', '-Werror', '-I', NATIVE, '-o', join(dir, 'h'), join(dir, 'h.c')], { encoding: 'utf8' });
    t.is(cc.status, 0, `${cc.stdout}${cc.stderr}`);
    const cases: { plan: AdcPlan; order: number; length: number; bytes: Uint8Array }[] = [];
    const rnd = fc.sample(
      fc.record({
        rate: fc.constantFrom(1000, 4000, 10000),
        pairs: fc.integer({ min: 1, max: 12 }),
        v: fc.integer({ min: 0, max: 7 }),
        di: fc.integer({ min: 1, max: 7 }),
        swapped: fc.boolean(),
        order: fc.constantFrom(0, 0, 1, 2),
        damage: fc.constantFrom('none', 'none', 'entry', 'length', 'shift'),
        at: fc.nat(),
        codes: fc.array(fc.integer({ min: 0, max: 4095 }), { minLength: 240, maxLength: 240 }),
      }),
      { numRuns: 3000, seed: 42 },
    );
    for (const r of rnd) {
      const vPin = [36, 37, 38, 39, 32, 33, 34, 35][r.v];
      const iPin = [36, 37, 38, 39, 32, 33, 34, 35][(r.v + r.di) % 8];
      const plan = planContinuousAdc([vPin, iPin], r.rate, r.pairs);
      let entries = pairsOf(plan, r.codes.slice(0, 2 * r.pairs * plan.decimation).concat(new Array(Math.max(0, 2 * r.pairs * plan.decimation - 240)).fill(7)));
      if (r.swapped) {
        const s2: typeof entries = [];
        for (let k = 0; k < entries.length; k += 2) s2.push(entries[k + 1], entries[k]);
        entries = s2;
      }
      if (r.damage === 'entry') entries[r.at % entries.length] = { ch: (entries[r.at % entries.length].ch + 1) % 16, code: 5 };
      if (r.damage === 'shift') entries = [...entries.slice(1), entries[0]];
      const bytes = encode(entries);
      cases.push({ plan, order: r.order, length: r.damage === 'length' ? bytes.length - 4 : bytes.length, bytes });
    }
    const input =
      cases
        .map(
          (c) =>
            `${c.plan.vChannel} ${c.plan.iChannel} ${c.plan.decimation} ${c.plan.blockPairs} ${c.order} ${c.length} ${Buffer.from(c.bytes).toString('hex')}`,
        )
        .join('\n') + '\n';
    const run = spawnSync(join(dir, 'h'), [], { input, encoding: 'utf8', maxBuffer: 64 << 20 });
    t.is(run.status, 0, run.stderr);
    const lines = run.stdout.trim().split('\n');
    t.is(lines.length, cases.length);
    let good = 0,
      bad = 0,
      swappedLocks = 0;
    for (let k = 0; k < cases.length; k++) {
      const c = cases[k];
      const st = { order: c.order };
      const out: number[] = [];
      const status = decodeLocked(c.bytes, c.length, c.plan, st, out);
      const expect = [status, st.order, ...(status === 0 ? out.map((x) => Math.round(x * c.plan.decimation)) : [])].join(' ');
      if (lines[k] !== expect) {
        t.fail(`case ${k}: C "${lines[k]}" vs TS "${expect}"`);
        return;
      }
      if (status === 0) good++;
      else bad++;
      if (status === 0 && c.order === 0 && st.order === 2) swappedLocks++;
    }
    t.true(good > 500 && bad > 500 && swappedLocks > 100, `good ${good} bad ${bad} swapped locks ${swappedLocks}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// ---------------------------------------------------------------- fakes on the simulated board

interface FakeAdcHooks {
  /** change a frame before it is handed over (k = frame number) */
  corrupt?: (k: number, bytes: Uint8Array) => void;
  made?: FakeNativeAdc[];
  /** store each word I then V, as the ESP32 I2S FIFO may (upper 16 bits first) */
  swapWords?: boolean;
  /** sees each raw simulated block behind a frame */
  raw?: (b: number[], tUs: number) => void;
}

/**
 * The native adc_continuous class as the TS sees it, driven by the simulated DMA ADC
 * at the raw (converter) rate: each raw block becomes one type1 byte frame, stamped with
 * the end of its last conversion slot (when on_conv_done fires), as adc-continuous.c does.
 */
class FakeNativeAdc implements NativeAdc {
  readonly o: NativeAdcOptions;
  private readonly sim: ContinuousAdc;
  private readonly state = { order: 0 };
  frames = 0;
  constructor(o: NativeAdcOptions, board: SimBoard, pins: number[], hooks: FakeAdcHooks) {
    this.o = o;
    const rawPairs = o.frameBytes / (2 * RESULT_BYTES);
    const rawRate = o.sampleFreqHz / 2;
    const bytes = new Uint8Array(o.frameBytes);
    // what adc-decode.h needs; the C gets exactly these option fields
    const plan = { vChannel: o.vChannel, iChannel: o.iChannel, decimation: o.decimation, blockPairs: o.blockPairs, frameBytes: o.frameBytes } as AdcPlan;
    this.sim = new board.device.io.ContinuousAdc({
      pins,
      rateHz: rawRate,
      blockPairs: rawPairs,
      onBlock: (b, tUs) => {
        const k = this.frames++;
        if (hooks.raw) hooks.raw(b, tUs);
        for (let j = 0; j < 2 * rawPairs; j++) {
          const w = ((j % 2 === 0 ? o.vChannel : o.iChannel) << 12) | (Math.round(b[j]) & 0xfff);
          const at = hooks.swapWords ? 2 * (j ^ 1) : 2 * j;
          bytes[at] = w & 0xff;
          bytes[at + 1] = w >> 8;
        }
        if (hooks.corrupt) hooks.corrupt(k, bytes);
        // adcDeliver: decode into the JS block (meterAdcDecode, proved equal above), then onFrame
        const status = decodeLocked(bytes, o.frameBytes, plan, this.state, o.block);
        o.onFrame(status, tUs + rawPairs * (1e6 / rawRate));
      },
    });
    if (hooks.made) hooks.made.push(this);
  }
  get overflows(): number {
    return this.sim.overruns;
  }
  get wordOrder(): number {
    return this.state.order;
  }
  start(): void {
    this.sim.start();
  }
  stop(): void {
    this.sim.stop();
  }
  close(): void {
    this.sim.close();
  }
}

/** The native trip ISR as the TS sees it: the sim's "native-isr" comparator path writes the relays 20 µs after the edge. */
class FakeNativeTrip implements NativeTrip {
  fires = 0;
  tripped = 0;
  rearms = 0;
  private readonly d;
  constructor(
    readonly o: NativeTripOptions,
    board: SimBoard,
  ) {
    this.d = new board.device.io.Digital({
      pin: o.pin,
      mode: 'input',
      edge: EDGE_RISING,
      onReadable: () => {
        this.fires++;
        if (this.tripped === 0) {
          this.tripped = 1;
          o.onTrip();
        }
      },
    });
  }
  read(): number {
    return this.d.read();
  }
  rearm(): void {
    this.tripped = 0;
    this.rearms++;
  }
  close(): void {
    this.d.close();
  }
}

function nativeBoard(path: 'latch' | 'native-isr' = 'native-isr', base?: BoardDescription): BoardDescription {
  const b = nativeBoardOf(base ?? loadBoard('esp32-devkitc-meter'));
  return { ...b, frontend: { ...b.frontend!, comparatorPath: path } };
}

function bootNative(seed: number, hooks: FakeAdcHooks = {}, path: 'latch' | 'native-isr' = 'native-isr', pfAngleDeg = 0, base?: BoardDescription) {
  const b = nativeBoard(path, base);
  const sim = new SimBoard({ board: b, seed, mains: { irms: 10, pfAngleDeg } });
  const trips: FakeNativeTrip[] = [];
  const device = withNative(sim.device, b, {
    Adc: class {
      constructor(o: NativeAdcOptions) {
        return new FakeNativeAdc(o, sim, [b.pins.adcV, b.pins.adcI], hooks);
      }
    } as unknown as new (o: NativeAdcOptions) => NativeAdc,
    Trip: class {
      constructor(o: NativeTripOptions) {
        const f = new FakeNativeTrip(o, sim);
        trips.push(f);
        return f;
      }
    } as unknown as new (o: NativeTripOptions) => NativeTrip,
  });
  const node = new MeterNode(device, b, {});
  return { sim, node, trips, board: b };
}

test('sim: the node meters 230 V / 10 A through the native ADC path (decoded frames, D = 3)', (t) => {
  const made: FakeNativeAdc[] = [];
  const { sim, node } = bootNative(11, { made });
  let last = { vrms: 0, irms: 0 };
  node.options.onAverages = (a) => {
    last = { vrms: a.vrms, irms: a.irms };
  };
  sim.run(5.2e6); // boot closes at ~2 s; the 2 s average after that is all load
  t.is(node.state(), 'closed');
  t.is(made.length, 1);
  t.is(made[0].o.sampleFreqHz, 24000);
  t.is(made[0].o.frameBytes, 96);
  t.is(made[0].o.poolBytes, POOL_FRAMES * 96);
  t.true(made[0].frames > 700, `frames ${made[0].frames}`);
  t.true(Math.abs(last.vrms / 230 - 1) < 0.002, `vrms ${last.vrms}`);
  t.true(Math.abs(last.irms / 10 - 1) < 0.005, `irms ${last.irms}`);
  t.is(node.core.overruns(), 0);
});

test('sim: block time stamps are the first averaged V sample: tRaw0 + (D-1)/2 * Tr', (t) => {
  const sim = new SimBoard({ board: nativeBoard(), seed: 3 });
  const plan = planContinuousAdc([36, 39], 4000, 8);
  const raw: { t: number; b: number[] }[] = [];
  const got: { t: number; b: number[] }[] = [];
  const adc = new NativeContinuousAdc(
    { pins: [36, 39], rateHz: 4000, blockPairs: 8, onBlock: (b, tUs) => got.push({ t: tUs, b: b.slice() }) },
    class extends FakeNativeAdc {
      constructor(o: NativeAdcOptions) {
        super(o, sim, [36, 39], { raw: (b, tUs) => raw.push({ t: tUs, b: b.slice() }) });
      }
    },
  );
  adc.start();
  sim.run(50e3);
  t.true(got.length >= 20, `${got.length} blocks`);
  const tr = plan.rawPairUs;
  for (let k = 0; k < 20; k++) {
    t.true(Math.abs(got[k].t - (raw[k].t + tr)) < 1e-6, `block ${k}: ${got[k].t} vs ${raw[k].t + tr}`);
    for (let j = 0; j < 8; j++) {
      const v = (Math.round(raw[k].b[6 * j]) + Math.round(raw[k].b[6 * j + 2]) + Math.round(raw[k].b[6 * j + 4])) / 3;
      t.true(Math.abs(got[k].b[2 * j] - v) < 1e-9, `block ${k} pair ${j}`);
    }
  }
  t.is(adc.rateHz, 4000);
  t.is(adc.resolution, 12);
});

test('nativeBoard: skew of one 24 kHz conversion, phaseShift moved by the skew change; P right at PF 0.5', (t) => {
  const board = loadBoard('esp32-devkitc-meter');
  const nb = nativeBoardOf(board);
  t.true(Math.abs(nb.adc.skewUs - 1e6 / 24000) < 1e-9);
  t.true(Math.abs(nb.calibration!.phaseShift - (0.5 - ((125 - 1e6 / 24000) * 4000) / 1e6)) < 1e-12, `${nb.calibration!.phaseShift}`);
  t.is(board.adc.skewUs, 125, 'the board itself is left alone');
  const pOf = (base: BoardDescription): { p: number; truth: number } => {
    const { sim, node } = bootNative(17, {}, 'latch', 60, base);
    let p = 0;
    node.options.onAverages = (a) => {
      p = a.p;
    };
    sim.run(5.2e6);
    return { p, truth: sim.truth().p };
  };
  const fixed = pOf(board);
  t.true(Math.abs(fixed.p / fixed.truth - 1) < 0.005, `P ${fixed.p} vs ${fixed.truth}`);
  // without the phaseShift move (the polled board's 0.5 samples), P at PF 0.5 is off by percents
  const stale = pOf({ ...board, calibration: { ...board.calibration!, phaseShift: 0.5 + ((125 - 1e6 / 24000) * 4000) / 1e6 } });
  t.true(Math.abs(stale.p / stale.truth - 1) > 0.02, `stale P ${stale.p} vs ${stale.truth}`);
});

test('sim: a driver that stores I, V words is detected on the first frame and meters the same', (t) => {
  const { sim, node } = bootNative(16, { swapWords: true });
  let last = { vrms: 0, irms: 0 };
  node.options.onAverages = (a) => {
    last = { vrms: a.vrms, irms: a.irms };
  };
  sim.run(5.2e6);
  const adc = (node.core as unknown as { sampler: NativeContinuousAdc }).sampler;
  t.is(adc.wordOrder, 'IV');
  t.is(adc.badFrames, 0);
  t.true(Math.abs(last.vrms / 230 - 1) < 0.002, `vrms ${last.vrms}`);
  t.true(Math.abs(last.irms / 10 - 1) < 0.005, `irms ${last.irms}`);
});

test('sim: a corrupted frame is dropped and counted; the metering carries on', (t) => {
  const bad = new Set([1000, 1001, 2000]);
  const made: FakeNativeAdc[] = [];
  const { sim, node } = bootNative(12, {
    made,
    corrupt: (k, bytes) => {
      if (!bad.has(k)) return;
      // swap the first V and I entries: a shifted pattern
      const a0 = bytes[0],
        a1 = bytes[1];
      bytes[0] = bytes[2];
      bytes[1] = bytes[3];
      bytes[2] = a0;
      bytes[3] = a1;
    },
  });
  let last = { vrms: 0, irms: 0 };
  node.options.onAverages = (a) => {
    last = { vrms: a.vrms, irms: a.irms };
  };
  sim.run(5.2e6); // boot closes at ~2 s; the 2 s average after that is all load
  const adc = (node.core as unknown as { sampler: NativeContinuousAdc }).sampler;
  t.true(adc instanceof NativeContinuousAdc);
  t.is(adc.wordOrder, 'VI');
  t.is(adc.badFrames, 3);
  t.regex(adc.lastBad, /channel order at entry 0: expected channels 0 \(V\) and 3 \(I\)/);
  t.true(Math.abs(last.vrms / 230 - 1) < 0.002, `vrms ${last.vrms}`);
  t.is(node.state(), 'closed');
});

test('sim: overruns are the driver pool overflows: a 100 ms busy JS thread loses blocks and says so', (t) => {
  const { sim, node } = bootNative(13);
  sim.run(3.1e6);
  t.is(node.core.overruns(), 0);
  sim.sched.js(sim.now(), () => sim.sched.busy(100e3), 0);
  sim.run(300e3);
  const n = node.core.overruns();
  t.true(n > 0, `overruns ${n}`);
  // 100 ms busy, 16-frame pool of 2 ms frames: about (100 - 32) / 2 frames lost
  t.true(n >= 25 && n <= 40, `overruns ${n}`);
});

test('sim: native-isr short circuit: relays open by the ISR path, then Protection records the comparator trip', (t) => {
  const { sim, node, trips, board } = bootNative(14);
  sim.run(3.1e6);
  t.is(node.state(), 'closed');
  t.is(trips.length, 1);
  t.deepEqual(trips[0].o.relays, [board.pins.relayMain, board.pins.relayAux]);
  t.is(trips[0].o.level, 0); // active-high relay drivers: 0 opens them
  t.is(trips[0].o.pin, board.pins.comparator);
  const at = sim.now() + 3300;
  sim.inject({ kind: 'shortCircuit', atUs: at, prospectiveA: 300, durationUs: 30e3 });
  sim.run(100e3);
  const open = sim.relays.main.firstOpenCommandAfter(at);
  t.truthy(open);
  t.is(open!.source, 'native-isr');
  t.true(open!.tUs - at < 5000, `open after ${open!.tUs - at} µs`);
  t.is(node.state(), 'tripped');
  t.is(node.trips()[0].reason, 'comparator');
  t.is(trips[0].tripped, 1);
  // the fault is gone: a local reset reads the comparator idle, which re-arms the ISR
  sim.run(200e3);
  t.is(node.reset(), 'ok');
  t.is(trips[0].tripped, 0);
  t.true(trips[0].rearms >= 1);
});

test('trip ISR Digital: bad options name the field', (t) => {
  const N = class {
    constructor() {
      throw new Error('must not be built');
    }
  } as unknown as new (o: NativeTripOptions) => NativeTrip;
  const ok = { pin: 27, mode: 'input' as const, edge: EDGE_RISING, onReadable: () => {} };
  t.throws(() => new TripIsrDigital({ ...ok, edge: 2 }, [26], 0, N), { message: /comparator edge: the trip ISR takes the rising edge \(1\), got 2/ });
  t.throws(() => new TripIsrDigital({ ...ok, mode: 'output' }, [26], 0, N), { message: /comparator mode/ });
  t.throws(() => new TripIsrDigital(ok, [36], 0, N), { message: /relay pin 0: must be an ESP32 GPIO 0 \.\. 33 \(34\.\.39 are input-only\), got 36/ });
  t.throws(() => new TripIsrDigital(ok, [27], 0, N), { message: /relay pin 0: GPIO 27 is the comparator pin/ });
  t.throws(() => new TripIsrDigital(ok, [], 0, N), { message: /at least one relay/ });
  t.throws(() => new TripIsrDigital(ok, [26], 2, N), { message: /de-energised level: must be 0 or 1, got 2/ });
  t.throws(() => new TripIsrDigital({ ...ok, pin: 40 }, [26], 0, N), { message: /comparator pin: must be an ESP32 GPIO 0 \.\. 39, got 40/ });
});

test('latch board: the native build keeps the ECMA-419 Digital for the comparator (no trip ISR)', (t) => {
  const { sim, node, trips } = bootNative(15, {}, 'latch');
  sim.run(3.1e6);
  t.is(trips.length, 0);
  t.is(node.state(), 'closed');
});

// ---------------------------------------------------------------- manifest and build option

test('manifest fragment: valid JSON, names both modules and their files, preloads them, ESP32 only', (t) => {
  const m = JSON.parse(readFileSync(join(NATIVE, 'manifest.json'), 'utf8'));
  t.deepEqual(Object.keys(m.modules).sort(), ['*', 'meter/native/adc-continuous', 'meter/native/trip-isr']);
  for (const spec of ['meter/native/adc-continuous', 'meter/native/trip-isr']) {
    const rel = m.modules[spec] as string;
    t.true(existsSync(join(NATIVE, `${rel}.js`)) && existsSync(join(NATIVE, `${rel}.c`)), spec);
    t.true(m.preload.includes(spec));
  }
  t.deepEqual(m.modules['*'], ['$(MODULES)/io/common/builtinCommon']);
  t.truthy(m.platforms.esp32);
  t.regex(m.platforms['...'].error, /ESP32 only/);
});

test('build option native: includes the fragment, copies the C and JS, boots through targets/moddable-native; off by default', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'moddable-native-'));
  try {
    const board = loadBoard('esp32-devkitc-meter');
    const off = await buildModdableWith(board, join(dir, 'off'), { mcconfig: false });
    const offManifest = JSON.parse(readFileSync(join(dir, 'off', 'manifest.json'), 'utf8'));
    t.false(offManifest.include.includes('./native/manifest.json'));
    t.false(off.files.some((f) => f.startsWith('native/')));

    const on = await buildModdableWith(board, join(dir, 'on'), { mcconfig: false, native: true });
    const m = JSON.parse(readFileSync(join(dir, 'on', 'manifest.json'), 'utf8'));
    t.true(m.include.includes('./native/manifest.json'));
    t.deepEqual(
      [...NATIVE_FILES].sort(),
      readdirSync(NATIVE)
        .filter((f) => /\.(c|h|js|json)$/.test(f))
        .sort(),
      'every native source is copied',
    );
    for (const f of NATIVE_FILES) {
      t.is(readFileSync(join(dir, 'on', 'native', f), 'utf8'), readFileSync(join(NATIVE, f), 'utf8'), f);
    }
    const main = readFileSync(join(dir, 'on', 'main.js'), 'utf8');
    const frag = JSON.parse(readFileSync(join(dir, 'on', 'native', 'manifest.json'), 'utf8'));
    for (const spec of [...main.matchAll(/from "([^"]+)"/g)].map((x) => x[1])) {
      t.true(spec === 'mc/config' || spec in m.modules || spec in frag.modules, `main.js imports ${spec}`);
    }
    t.true('targets/moddable-native/main' in m.modules);
    t.true('hal/moddable/native/with-native' in m.modules);
    t.false('targets/moddable/main' in m.modules && !main.includes('targets/moddable-native/main'));
    t.true(
      on.notes.some((n) => /native adc_continuous at 4000 pairs\/s in blocks of 8/.test(n)),
      on.notes.join('\n'),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
