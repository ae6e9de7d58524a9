import test from 'ava';
import type { BoardDescription } from '../boards/board';
import boardJson from '../boards/esp32-devkitc-meter.json';
import { SimBoard } from '../hal/sim/board';

const BOARD = boardJson as BoardDescription;
const LSB = BOARD.adc.fullScaleVolts / 4096;

function quiet(extra: Partial<ConstructorParameters<typeof SimBoard>[0]> = {}) {
  const board = new SimBoard({ board: BOARD, frontend: { noiseLsb: 0 }, ...extra });
  const d = board.device;
  return { board, ntc: new d.io.Analog({ pin: d.pin.ntc }), gas: new d.io.Analog({ pin: d.pin.gas }) };
}

test('NTC: Beta model divider; 25 °C gives half the supply, hotter reads lower', (t) => {
  const { board, ntc } = quiet({ env: { temperatureC: 25 } });
  t.is(ntc.resolution, 12);
  t.is(ntc.read(), Math.round(1.65 / LSB));
  const fe = board.frontend;
  // R(T) from the Beta equation at 85 °C: 10k*exp(3950*(1/358.15 - 1/298.15)) = 1.1 kΩ
  t.true(Math.abs(fe.ntcOhms(85) - 10000 * Math.exp(3950 * (1 / 358.15 - 1 / 298.15))) < 1e-6);
  t.true(fe.ntcOhms(85) > 1000 && fe.ntcOhms(85) < 1200);
  board.env.temperatureC = 85;
  const hot = ntc.read();
  t.is(hot, Math.round((3.3 * fe.ntcOhms(85)) / (fe.ntcOhms(85) + 10000) / LSB));
  t.true(hot < 2048);
});

test('overheat ramps the temperature linearly', (t) => {
  const { board, ntc } = quiet();
  board.inject({ kind: 'overheat', atUs: 1e6, toC: 84, rampUs: 60e6 });
  t.is(board.env.temperatureAt(31e6), 54);
  board.runUntil(61e6);
  t.is(board.env.temperatureC, 84);
  t.is(ntc.read(), Math.round(board.frontend.ntcVolts(84) / LSB));
});

test('MQ-6 steady state: Rs = R0 at 1000 ppm, about 10 x R0 in clean air', (t) => {
  const { board } = quiet();
  const fe = board.frontend;
  t.is(fe.mq6Rs(1000), 10000);
  const clean = fe.mq6Rs(5) / 10000;
  t.true(clean > 8 && clean < 11, `clean-air ratio ${clean}`);
  // Vout = 5 * 20k / (10k + 20k) * 0.6 = 2.0 V at 1000 ppm
  t.true(Math.abs(fe.mq6Volts(fe.mq6Rs(1000)) - 2.0) < 1e-12);
});

test('MQ-6 warm-up: reads falsely high just after power-on, settles by heaterWarmupS', (t) => {
  const { board, gas } = quiet();
  const fe = board.frontend;
  const cold = gas.read();
  const settledCode = Math.round(fe.mq6Volts(fe.mq6Rs(5)) / LSB);
  t.is(cold, Math.round(fe.mq6Volts(0.2 * fe.mq6Rs(5)) / LSB));
  t.true(cold > settledCode * 2);
  const codes: number[] = [];
  for (let s = 1; s <= 400; s++) {
    board.runUntil(s * 1e6);
    codes.push(gas.read());
  }
  for (let k = 1; k < codes.length; k++) t.true(codes[k] <= codes[k - 1]); // monotonic fall
  // within 5 % of the true Rs at heaterWarmupS (180 s), within 0.5 % at 400 s
  t.true(Math.abs(fe.warmupFactor(180e6) - 1) < 0.05);
  t.true(Math.abs(codes[399] - settledCode) <= Math.ceil(settledCode * 0.005) + 1);
});

test('MQ-6 first-order response (tau 10 s) to a gas leak', (t) => {
  const { board } = quiet();
  const fe = board.frontend;
  const t0 = 1000e6; // long after warm-up
  board.inject({ kind: 'gasLeak', atUs: t0, ppm: 2000, rampUs: 0 });
  const lnRs = (us: number) => Math.log(fe.gasSensorRs(us) / fe.warmupFactor(us));
  const start = lnRs(t0);
  const end = Math.log(fe.mq6Rs(2000));
  t.true(Math.abs(start - Math.log(fe.mq6Rs(5))) < 1e-9);
  const frac = (lnRs(t0 + 10e6) - start) / (end - start);
  t.true(Math.abs(frac - (1 - Math.exp(-1))) < 0.03, `after one tau: ${frac}`);
  const frac5 = (lnRs(t0 + 50e6) - start) / (end - start);
  t.true(frac5 > 0.99);
});

test('sensor faults on the slow channels go to the rails the circuit goes to', (t) => {
  const { board, ntc, gas } = quiet();
  board.runUntil(1e6);
  const before = ntc.read();
  board.inject({ kind: 'sensor', channel: 'ntc', fault: 'open', atUs: 2e6 });
  board.inject({ kind: 'sensor', channel: 'ntc', fault: 'shorted', atUs: 3e6 });
  board.inject({ kind: 'sensor', channel: 'ntc', fault: 'stuck', atUs: 4e6 });
  board.inject({ kind: 'sensor', channel: 'ntc', fault: 'nan', atUs: 5e6 });
  board.inject({ kind: 'sensorClear', channel: 'ntc', atUs: 6e6 });
  board.inject({ kind: 'sensor', channel: 'gas', fault: 'open', atUs: 2e6 });
  board.inject({ kind: 'sensor', channel: 'gas', fault: 'shorted', atUs: 3e6 });
  board.runUntil(2.5e6);
  t.is(ntc.read(), 4095); // NTC to ground open: series resistor pulls to 3.3 V (above full scale)
  t.is(gas.read(), 0);
  board.runUntil(3.5e6);
  t.is(ntc.read(), 0);
  t.is(gas.read(), Math.round((5 * 0.6) / LSB));
  board.runUntil(4.5e6);
  t.is(ntc.read(), 0); // stuck at its last code
  board.env.temperatureC = 90;
  t.is(ntc.read(), 0);
  board.runUntil(5.5e6);
  t.true(Number.isNaN(ntc.read()));
  board.runUntil(6.5e6);
  t.is(ntc.read(), Math.round(board.frontend.ntcVolts(90) / LSB));
  t.not(before, 0);
  t.is(board.frontend.sensorFaultAt('gas', 3e6), 'shorted');
});

test('stuck mains channel repeats its last code without noise', (t) => {
  const board = new SimBoard({ board: BOARD, relaysClosedAtStart: true });
  const d = board.device;
  const codes: number[] = [];
  new d.io.ContinuousAdc({
    pins: [d.pin.adcV, d.pin.adcI],
    rateHz: 4000,
    blockPairs: 8,
    onBlock: (b) => {
      for (let k = 0; k < b.length; k += 2) codes.push(b[k]);
    },
  }).start();
  board.inject({ kind: 'sensor', channel: 'v', fault: 'stuck', atUs: 10_000 });
  board.run(30_000);
  const stuck = codes.slice(40);
  t.true(stuck.length > 50);
  t.true(stuck.every((c) => c === codes[39]));
  t.true(new Set(codes.slice(0, 40)).size > 10);
});

test('bad fault arguments name the field', (t) => {
  const { board } = quiet();
  t.throws(() => board.inject({ kind: 'gasLeak', atUs: 0, ppm: -1, rampUs: 0 }), { message: /gasLeak\.ppm/ });
  t.throws(() => board.inject({ kind: 'overheat', atUs: 0, toC: 500, rampUs: 0 }), { message: /overheat\.toC/ });
  t.throws(() => board.frontend.sensorFault('x' as 'v', 'open', 0), { message: /sensor channel/ });
  t.throws(() => board.frontend.sensorFault('v', 'melted' as 'open', 0), { message: /sensor fault kind/ });
  t.throws(() => board.inject({ kind: 'sensor', channel: 'v', fault: 'open', atUs: NaN }), { message: /atUs/ });
  t.throws(() => new board.device.io.Analog({ pin: 4 }), { message: /Analog\.pin 4/ });
});
