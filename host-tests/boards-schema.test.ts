import test from 'ava';
import fc from 'fast-check';
import { listBoards, loadBoard, validateBoard } from '../boards/schema';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;
const meter = () => clone(loadBoard('esp32-devkitc-meter')) as unknown as Record<string, any>;

function errorsOf(json: unknown): string[] {
  const r = validateBoard(json);
  return r.ok ? [] : r.errors;
}

test('the five board files exist and validate', (t) => {
  const names = listBoards();
  t.deepEqual(names, ['esp32-control-unit', 'esp32-devkitc-meter', 'espruino-esp32-wroom', 'moddable-two', 'nodemcu-32s-lua']);
  const targets = new Set<string>();
  for (const n of names) {
    const b = loadBoard(n);
    t.is(b.name, n);
    targets.add(b.target);
  }
  t.deepEqual([...targets].sort(), ['espruino', 'lua', 'moddable']);
});

test('bad ADC width names the field, the range and the value', (t) => {
  const b = meter();
  b.adc.bits = 16;
  t.deepEqual(errorsOf(b), ['adc.bits: must be an integer 9..12 for esp32, got 16']);
});

const cases: [string, (b: Record<string, any>) => void, string][] = [
  ['attenuation', (b) => (b.adc.attenuationDb = 3), 'adc.attenuationDb: must be one of 0, 2.5, 6, 11, 12, got 3'],
  ['full scale above attenuation', (b) => ((b.adc.attenuationDb = 0), (b.adc.fullScaleVolts = 3.1)), 'adc.fullScaleVolts: must be a number 0.5..1.1, got 3.1'],
  ['relay on input-only pin', (b) => (b.pins.relayMain = 37), 'pins.relayMain: is an output and GPIO 34..39 are input-only, got 37'],
  ['flash pin', (b) => (b.pins.led = 7), 'pins.led: must not be GPIO 6..11 (they drive the SPI flash), got 7'],
  ['analog on ADC2', (b) => (b.pins.adcV = 4), 'pins.adcV: must be an ADC1 pin 32..39 (ADC2 is unusable while the radio runs), got 4'],
  ['missing GPIO', (b) => (b.pins.led = 24), 'pins.led: must be an ESP32 GPIO 0..39 (20, 24, 28..31 do not exist), got 24'],
  ['duplicate pin', (b) => (b.pins.led = 26), 'pins.led: must not reuse GPIO 26 (already pins.relayMain), got 26'],
  ['nRF24 channel', (b) => (b.radio.channel = 126), 'radio.channel: must be an integer 0..125, got 126'],
  ['unknown field', (b) => (b.adc.bitz = 12), 'adc.bitz: unknown field (allowed: bits, attenuationDb, fullScaleVolts, rateHz, blockPairs, skewUs)'],
  ['missing frontend on a meter', (b) => delete b.frontend, 'frontend: required'],
  ['bad NTC beta', (b) => (b.frontend.ntc.beta = 'x'), 'frontend.ntc.beta: must be a number 1000..10000, got "x"'],
  ['flash chip mismatch', (b) => (b.flash.chip = 'esp8266'), 'flash.chip: must equal mcu ("esp32"), got "esp8266"'],
  ['console baud', (b) => (b.console.baud = 1234), 'console.baud: must be one of 9600, 19200, 38400, 57600, 115200, 230400, 460800, 921600, got 1234'],
  ['skew longer than a sample period', (b) => (b.adc.skewUs = 300), 'adc.skewUs: must be a number 0..250, got 300'],
  ['relay pin required', (b) => delete b.pins.relayMain, 'pins.relayMain: required for role "meter"'],
  ['bad name', (b) => (b.name = 'Bad Name'), 'name: must be 1..40 of a-z, 0-9, -, got "Bad Name"'],
];
for (const [what, mutate, expected] of cases) {
  test(`bad board: ${what}`, (t) => {
    const b = meter();
    mutate(b);
    t.deepEqual(errorsOf(b), [expected]);
  });
}

test('a control unit needs no front end', (t) => {
  const b = clone(loadBoard('esp32-control-unit')) as unknown as Record<string, any>;
  t.is(b.frontend, undefined);
  t.true(validateBoard(b).ok);
});

test('not an object', (t) => {
  t.deepEqual(errorsOf(42), ['(board): must be an object, got 42']);
  t.deepEqual(errorsOf(null), ['(board): must be an object, got null']);
});

test('loadBoard: unknown name lists the known ones; bad JSON and name mismatch are reported', (t) => {
  t.throws(() => loadBoard('nope'), { message: /board 'nope' not found; known boards: esp32-control-unit, / });
  const dir = mkdtempSync(join(tmpdir(), 'boards-'));
  writeFileSync(join(dir, 'broken.json'), '{"name":');
  t.throws(() => loadBoard('broken', dir), { message: /broken\.json: not valid JSON/ });
  const b = meter();
  b.name = 'other';
  writeFileSync(join(dir, 'renamed.json'), JSON.stringify(b));
  t.throws(() => loadBoard('renamed', dir), { message: /name: must equal the file name 'renamed'/ });
  b.adc.bits = 16;
  b.name = 'bad';
  writeFileSync(join(dir, 'bad.json'), JSON.stringify(b));
  t.throws(() => loadBoard('bad', dir), { message: /adc\.bits: must be an integer 9\.\.12 for esp32, got 16/ });
});

test('fuzz: the validator never throws and every error names a field path', (t) => {
  const base = meter();
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.constantFrom('adc', 'pins', 'frontend', 'radio', 'relay', 'calibration', 'console'), fc.string(), fc.anything())),
      (edits) => {
        const b = clone(base);
        for (const [sec, key, val] of edits) {
          if (typeof b[sec] === 'object' && b[sec] !== null) b[sec][key] = val;
          else b[sec] = val;
        }
        const r = validateBoard(b);
        if (!r.ok) for (const e of r.errors) if (!/^[(\w.]/.test(e) || !e.includes(': ')) return false;
        return true;
      },
    ),
  );
  fc.assert(fc.property(fc.anything(), (x) => (validateBoard(x), true)));
  t.pass();
});
