import test from 'ava';
import fc from 'fast-check';
import type { BoardDescription } from '../boards/board';
import boardJson from '../boards/esp32-devkitc-meter.json';
import { SimBoard, type SimBoardOptions } from '../hal/sim/board';
import type { SensorFaultKind } from '../hal/sim/frontend';

const BOARD = boardJson as BoardDescription;
const FE = BOARD.frontend as NonNullable<BoardDescription['frontend']>;
const LSB = BOARD.adc.fullScaleVolts / 4096;
const BIAS = FE.biasVolts / LSB;

interface Captured {
  board: SimBoard;
  blocks: { tUs: number; at: number; codes: number[] }[];
  adc: { overruns: number };
}

function capture(opts: Partial<SimBoardOptions>, runUs: number, setup?: (b: SimBoard) => void): Captured {
  const board = new SimBoard({ board: BOARD, relaysClosedAtStart: true, ...opts });
  if (setup) setup(board);
  const d = board.device;
  const blocks: Captured['blocks'] = [];
  const adc = new d.io.ContinuousAdc({
    pins: [d.pin.adcV, d.pin.adcI],
    rateHz: BOARD.adc.rateHz,
    blockPairs: BOARD.adc.blockPairs,
    onBlock: (block, tUs) => blocks.push({ tUs, at: board.now(), codes: block.slice() }),
  });
  adc.start();
  board.run(runUs);
  return { board, blocks, adc };
}

function rms(xs: number[]): number {
  return Math.sqrt(xs.reduce((s, x) => s + x * x, 0) / xs.length);
}

test('block timing: tUs of the first V sample, delivered at the last sample + block cost', (t) => {
  const { blocks } = capture({ blockCostUs: 300 }, 20_000);
  t.is(blocks.length, 9); // the 10th completes at 19_875 and is handed over at 20_175
  blocks.forEach((b, k) => {
    t.is(b.tUs, k * 2000);
    t.is(b.at, k * 2000 + 7 * 250 + 125 + 300);
    t.is(b.codes.length, 16);
  });
});

test('RMS of the codes matches the analytic truth to 0.1 % (V and I)', (t) => {
  for (const irms of [5, 20]) {
    const { board, blocks } = capture({ mains: { irms, pfAngleDeg: 30 } }, 1_000_500);
    const v: number[] = [];
    const i: number[] = [];
    for (const b of blocks.slice(0, 500)) {
      for (let k = 0; k < b.codes.length; k += 2) {
        v.push(((b.codes[k] - BIAS) * LSB) / FE.vAdcVoltsPerVolt);
        i.push(((b.codes[k + 1] - BIAS) * LSB) / FE.iAdcVoltsPerAmp);
      }
    }
    t.is(v.length, 4000); // exactly 50 cycles
    const tr = board.truth(0);
    t.true(Math.abs(rms(v) / tr.vrms - 1) < 0.001, `V ${rms(v)} vs ${tr.vrms}`);
    t.true(Math.abs(rms(i) / tr.irms - 1) < 0.001, `I ${rms(i)} vs ${tr.irms}`);
  }
});

test('the I sample is taken skewUs after its V sample; codes quantise the analog value', (t) => {
  const { board, blocks } = capture({ frontend: { noiseLsb: 0 }, mains: { pfAngleDeg: -20, irms: 12 } }, 50_000);
  let checked = 0;
  for (const b of blocks) {
    for (let j = 0; j < 8; j++) {
      const tv = b.tUs + j * 250;
      const ti = tv + BOARD.adc.skewUs;
      t.is(b.codes[2 * j], Math.round(BIAS + (board.mains.sampleV(tv) * FE.vAdcVoltsPerVolt) / LSB));
      t.is(b.codes[2 * j + 1], Math.round(BIAS + (board.mains.sampleI(ti) * FE.iAdcVoltsPerAmp) / LSB));
      checked++;
    }
  }
  t.true(checked > 100);
});

test('gain and offset errors shift the codes as configured', (t) => {
  const { blocks } = capture({ frontend: { noiseLsb: 0, gainErr: { v: 0.02 }, offsetErrVolts: { i: 0.01 } }, mains: { irms: 0 } }, 20_500);
  const v: number[] = [];
  const i: number[] = [];
  for (const b of blocks.slice(0, 10))
    for (let k = 0; k < 16; k += 2) {
      v.push(((b.codes[k] - BIAS) * LSB) / FE.vAdcVoltsPerVolt);
      i.push(b.codes[k + 1]);
    }
  t.true(Math.abs(rms(v) / 230 - 1.02) < 0.002);
  for (const c of i) t.is(c, Math.round((FE.biasVolts + 0.01) / LSB));
});

test('clamping: a large swell saturates at 0 and 2^bits - 1', (t) => {
  const { blocks } = capture({}, 100_000, (b) => b.inject({ kind: 'swell', atUs: 0, factor: 3 }));
  const v = blocks.flatMap((b) => b.codes.filter((_, k) => k % 2 === 0));
  t.is(Math.max(...v), 4095);
  t.is(Math.min(...v), 0);
  for (const c of v) t.true(Number.isInteger(c) && c >= 0 && c <= 4095);
});

test('ring overruns during a long busy(): oldest blocks dropped, a gap in tUs', (t) => {
  const { board, blocks, adc } = capture({}, 300_500, (b) => b.sched.at(50_000, () => b.sched.busy(100_000)));
  t.true(adc.overruns > 0);
  let missing = 0;
  for (let k = 1; k < blocks.length; k++) missing += (blocks[k].tUs - blocks[k - 1].tUs) / 2000 - 1;
  t.is(missing, adc.overruns);
  // 150 blocks are filled by 300 ms; all but the overrun ones are delivered
  t.is(blocks.length + adc.overruns, 150);
  // the 16 newest survive: the first block after the gap is delivered at busy end
  const firstLate = blocks.find((b) => b.at >= 150_000);
  t.truthy(firstLate);
  t.is(board.sched.now(), 300_500);
});

test('determinism: same seed => identical codes; other seed => different noise', (t) => {
  const a = capture({ seed: 7 }, 100_000)
    .blocks.map((b) => b.codes.join(','))
    .join(';');
  const b = capture({ seed: 7 }, 100_000)
    .blocks.map((b) => b.codes.join(','))
    .join(';');
  const c = capture({ seed: 8 }, 100_000)
    .blocks.map((b) => b.codes.join(','))
    .join(';');
  t.is(a, b);
  t.not(a, c);
});

test('current reads as bias while the main relay is open', (t) => {
  const { blocks } = capture({ relaysClosedAtStart: false, frontend: { noiseLsb: 0 } }, 20_000);
  for (const b of blocks) for (let k = 1; k < 16; k += 2) t.is(b.codes[k], 2048);
});

test('bad ContinuousAdc options are rejected with the field named', (t) => {
  const board = new SimBoard({ board: BOARD });
  const d = board.device;
  const ok = { pins: [d.pin.adcV, d.pin.adcI], rateHz: 4000, blockPairs: 8, onBlock: () => {} };
  t.throws(() => new d.io.ContinuousAdc({ ...ok, pins: [1, 2] }), { message: /ContinuousAdc\.pins/ });
  t.throws(() => new d.io.ContinuousAdc({ ...ok, rateHz: 9000 }), { message: /ContinuousAdc\.rateHz/ });
  t.throws(() => new d.io.ContinuousAdc({ ...ok, blockPairs: 0 }), { message: /ContinuousAdc\.blockPairs/ });
});

test('property: codes are integers in range, NaN only under a nan fault', (t) => {
  const kinds: SensorFaultKind[] = ['open', 'shorted', 'stuck', 'nan'];
  fc.assert(
    fc.property(
      fc.record({
        seed: fc.integer(),
        noise: fc.double({ min: 0, max: 5, noNaN: true }),
        swell: fc.double({ min: 1, max: 3, noNaN: true }),
        irms: fc.double({ min: 0, max: 100, noNaN: true }),
        ch: fc.constantFrom<'v' | 'i'>('v', 'i'),
        kind: fc.constantFrom(...kinds),
        at: fc.integer({ min: 0, max: 30_000 }),
        clearAfter: fc.integer({ min: 1, max: 20_000 }),
      }),
      (p) => {
        let ok = true;
        capture({ seed: p.seed, frontend: { noiseLsb: p.noise }, mains: { irms: p.irms } }, 50_000, (b) => {
          b.inject({ kind: 'swell', atUs: 0, factor: p.swell });
          b.inject({ kind: 'sensor', channel: p.ch, fault: p.kind, atUs: p.at });
          b.inject({ kind: 'sensorClear', channel: p.ch, atUs: p.at + p.clearAfter });
        }).blocks.forEach((b) => {
          b.codes.forEach((c, k) => {
            const ts = b.tUs + (k >> 1) * 250 + (k & 1) * 125;
            const ch = k % 2 === 0 ? 'v' : 'i';
            const nanNow = p.kind === 'nan' && ch === p.ch && ts >= p.at && ts < p.at + p.clearAfter;
            if (nanNow) ok = ok && Number.isNaN(c);
            else ok = ok && Number.isInteger(c) && c >= 0 && c <= 4095;
          });
        });
        return ok;
      },
    ),
    { numRuns: 60 },
  );
  t.pass();
});
