// Board-file schema: checks a boards/*.json description and names the failing field by its
// path ("adc.bits: must be an integer 9..12 for esp32, got 16"). Hand-written rather than a
// JSON-Schema library so the messages can carry hardware facts (input-only pins, ADC1-only
// analog pins) that a generic schema cannot express. Tools call loadBoard(name).
//
// Hardware facts behind the checks (ESP32 Technical Reference Manual / datasheet, ESP-IDF
// ADC docs):
// - GPIO 0..39 exist except 20, 24, 28..31; GPIO 6..11 drive the SPI flash; 34..39 are
//   input-only, so no output (relay, LED, chip select, TX) may sit there.
// - Analog inputs must be ADC1 channels (GPIO 32..39): ADC2 is unusable while the Wi-Fi
//   radio runs, and ESP-NOW uses it.
// - ADC width 9..12 bits (adc_bits_width_t); attenuation 0, 2.5, 6, 11 dB (ESP-IDF >= 5.1
//   names 11 dB "12 dB"; both are accepted); full scale is about 1.1, 1.5, 2.2 and 3.9 V
//   for those (ESP-IDF v4 ADC doc), capped in practice by VDD 3.3 V.
// - ESP8266: one 10-bit ADC input, no attenuation, 1.0 V full scale.
// - nRF24L01+ RF_CH 0..125 (2400 + n MHz); ESP-NOW follows Wi-Fi channels 1..14.
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BoardDescription } from './board';

/** Fields this schema adds to BoardDescription (optional; tools read them). */
export interface BoardExtras {
  /** technician console UART */
  console?: { uart: number; baud: number };
  /** how tools/flash.ts writes this board */
  flash?: { chip: 'esp32' | 'esp8266'; baud: number; platform?: string };
  /** notes for people; ignored by code */
  notes?: string[];
}
export type Board = BoardDescription & BoardExtras;

export type ValidateResult = { ok: true; board: Board } | { ok: false; errors: string[] };

type Obj = Record<string, unknown>;

const OUTPUT_PIN = /^(relay\w*|led|latchReset|radioCs|radioCe|spiSck|spiMosi|uartTx|fpTx|buzzer|backlight)$/;
const ANALOG_PIN = /^(adcV|adcI|ntc|gas)$/;
const ATTEN_FULL_SCALE: Record<string, number> = { '0': 1.1, '2.5': 1.5, '6': 2.2, '11': 3.9, '12': 3.9 };

class Checker {
  errors: string[] = [];
  fail(path: string, msg: string, got: unknown): void {
    this.errors.push(`${path}: ${msg}, got ${show(got)}`);
  }
  obj(v: unknown, path: string): Obj | undefined {
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) return v as Obj;
    this.fail(path, 'must be an object', v);
    return undefined;
  }
  num(o: Obj, key: string, path: string, min: number, max: number, integer = false): void {
    const v = o[key];
    const kind = integer ? 'an integer' : 'a number';
    if (typeof v !== 'number' || !Number.isFinite(v) || (integer && !Number.isInteger(v)) || v < min || v > max) {
      this.fail(join2(path, key), `must be ${kind} ${min}..${max}`, v);
    }
  }
  oneOf(o: Obj, key: string, path: string, allowed: readonly unknown[]): void {
    if (!allowed.includes(o[key])) this.fail(join2(path, key), `must be one of ${allowed.map(show).join(', ')}`, o[key]);
  }
  bool(o: Obj, key: string, path: string): void {
    if (typeof o[key] !== 'boolean') this.fail(join2(path, key), 'must be true or false', o[key]);
  }
  str(o: Obj, key: string, path: string, maxLen: number): void {
    const v = o[key];
    if (typeof v !== 'string' || v.length === 0 || v.length > maxLen) this.fail(join2(path, key), `must be a text of 1..${maxLen} characters`, v);
  }
  only(o: Obj, path: string, allowed: string[]): void {
    for (const k of Object.keys(o)) if (!allowed.includes(k)) this.errors.push(`${join2(path, k)}: unknown field (allowed: ${allowed.join(', ')})`);
  }
  /** child object: required unless optional; returns it for further checks */
  child(o: Obj, key: string, path: string, optional: boolean): Obj | undefined {
    if (o[key] === undefined) {
      if (!optional) this.errors.push(`${join2(path, key)}: required`);
      return undefined;
    }
    return this.obj(o[key], join2(path, key));
  }
}

function join2(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}
function show(v: unknown): string {
  if (v === undefined) return 'nothing';
  const s = JSON.stringify(v);
  return s.length > 40 ? s.slice(0, 37) + '...' : s;
}

const TOP = ['name', 'description', 'mcu', 'role', 'target', 'pins', 'adc', 'frontend', 'calibration', 'relay', 'radio', 'console', 'flash', 'notes'];

export function validateBoard(json: unknown): ValidateResult {
  const c = new Checker();
  const b = c.obj(json, '(board)');
  if (b === undefined) return { ok: false, errors: c.errors };
  c.only(b, '', TOP);
  if (typeof b.name !== 'string' || !/^[a-z0-9][a-z0-9-]{0,39}$/.test(b.name)) c.fail('name', 'must be 1..40 of a-z, 0-9, -', b.name);
  c.str(b, 'description', '', 300);
  c.oneOf(b, 'mcu', '', ['esp32', 'esp8266']);
  c.oneOf(b, 'role', '', ['meter', 'control']);
  c.oneOf(b, 'target', '', ['moddable', 'espruino', 'lua']);
  const esp8266 = b.mcu === 'esp8266';
  checkPins(c, b, esp8266);
  const adc = c.child(b, 'adc', '', false);
  if (adc !== undefined) checkAdc(c, adc, esp8266);
  const meter = b.role === 'meter';
  const fe = c.child(b, 'frontend', '', !meter);
  if (fe !== undefined) checkFrontend(c, fe);
  const cal = c.child(b, 'calibration', '', !meter);
  if (cal !== undefined) {
    c.only(cal, 'calibration', ['vGain', 'iGain', 'phaseShift']);
    c.num(cal, 'vGain', 'calibration', 1e-6, 1e3);
    c.num(cal, 'iGain', 'calibration', 1e-6, 1e3);
    c.num(cal, 'phaseShift', 'calibration', -2, 2); // fraction of a sample interval
  }
  const relay = c.child(b, 'relay', '', !meter);
  if (relay !== undefined) {
    c.only(relay, 'relay', ['activeHigh', 'releaseMs', 'operateMs']);
    c.bool(relay, 'activeHigh', 'relay');
    c.num(relay, 'releaseMs', 'relay', 0, 100);
    c.num(relay, 'operateMs', 'relay', 0, 100);
  }
  const radio = c.child(b, 'radio', '', false);
  if (radio !== undefined) {
    c.only(radio, 'radio', ['profile', 'channel', 'spiPort']);
    // ESP-IDF spi_host_device_t: SPI1_HOST (0) is the flash bus; the ESP32 has SPI2_HOST (1) and SPI3_HOST (2)
    if (radio.spiPort !== undefined) c.num(radio, 'spiPort', 'radio', 1, 2, true);
    c.oneOf(radio, 'profile', 'radio', ['nrf24', 'lora', 'espnow']);
    const maxCh: Record<string, [number, number]> = { nrf24: [0, 125], espnow: [1, 14], lora: [0, 71] };
    const range = maxCh[String(radio.profile)];
    if (range !== undefined) c.num(radio, 'channel', 'radio', range[0], range[1], true);
  }
  const con = c.child(b, 'console', '', true);
  if (con !== undefined) {
    c.only(con, 'console', ['uart', 'baud']);
    c.num(con, 'uart', 'console', 0, esp8266 ? 1 : 2, true);
    c.oneOf(con, 'baud', 'console', [9600, 19200, 38400, 57600, 115200, 230400, 460800, 921600]);
  }
  const fl = c.child(b, 'flash', '', true);
  if (fl !== undefined) {
    c.only(fl, 'flash', ['chip', 'baud', 'platform']);
    if (fl.chip !== b.mcu) c.fail('flash.chip', `must equal mcu (${show(b.mcu)})`, fl.chip);
    c.oneOf(fl, 'baud', 'flash', [115200, 230400, 460800, 921600]);
    if (fl.platform !== undefined) c.str(fl, 'platform', 'flash', 60);
  }
  if (b.notes !== undefined && (!Array.isArray(b.notes) || !b.notes.every((n) => typeof n === 'string'))) c.fail('notes', 'must be a list of texts', b.notes);
  if (c.errors.length > 0) return { ok: false, errors: c.errors };
  return { ok: true, board: b as unknown as Board };
}

function checkPins(c: Checker, b: Obj, esp8266: boolean): void {
  const pins = c.child(b, 'pins', '', false);
  if (pins === undefined) return;
  const seen: Record<string, string> = {};
  for (const name of Object.keys(pins)) {
    const path = `pins.${name}`;
    const v = pins[name];
    if (typeof v !== 'number' || !Number.isInteger(v)) {
      c.fail(path, 'must be a GPIO number', v);
      continue;
    }
    if (esp8266) {
      // GPIO 0..16; 6..11 are the flash; A0 is written as 17 (Arduino/NodeMCU convention)
      if (v < 0 || v > 17 || (v >= 6 && v <= 11)) c.fail(path, 'must be an ESP8266 GPIO 0..5, 12..16 or 17 (A0)', v);
      else if (ANALOG_PIN.test(name) && v !== 17) c.fail(path, 'must be 17 (A0, the only ESP8266 ADC input)', v);
    } else if (v < 0 || v > 39 || v === 20 || v === 24 || (v >= 28 && v <= 31)) {
      c.fail(path, 'must be an ESP32 GPIO 0..39 (20, 24, 28..31 do not exist)', v);
    } else if (v >= 6 && v <= 11) {
      c.fail(path, 'must not be GPIO 6..11 (they drive the SPI flash)', v);
    } else if (v >= 34 && OUTPUT_PIN.test(name)) {
      c.fail(path, 'is an output and GPIO 34..39 are input-only', v);
    } else if (ANALOG_PIN.test(name) && v < 32) {
      c.fail(path, 'must be an ADC1 pin 32..39 (ADC2 is unusable while the radio runs)', v);
    }
    // Shared SPI lines may appear under two names on purpose (e.g. display and radio share MOSI).
    const key = String(v);
    if (seen[key] !== undefined && !/^spi/.test(name)) c.fail(path, `must not reuse GPIO ${v} (already pins.${seen[key]})`, v);
    else if (seen[key] === undefined) seen[key] = name;
  }
  const role = b.role;
  const required = role === 'meter' ? ['adcV', 'adcI', 'relayMain'] : [];
  for (const r of required) if (pins[r] === undefined) c.errors.push(`pins.${r}: required for role ${show(role)}`);
}

function checkAdc(c: Checker, adc: Obj, esp8266: boolean): void {
  c.only(adc, 'adc', ['bits', 'attenuationDb', 'fullScaleVolts', 'rateHz', 'blockPairs', 'skewUs']);
  if (esp8266) {
    c.num(adc, 'bits', 'adc', 10, 10, true);
    c.oneOf(adc, 'attenuationDb', 'adc', [0]);
    c.num(adc, 'fullScaleVolts', 'adc', 1.0, 1.0);
  } else {
    if (typeof adc.bits !== 'number' || !Number.isInteger(adc.bits) || adc.bits < 9 || adc.bits > 12) {
      c.fail('adc.bits', 'must be an integer 9..12 for esp32', adc.bits);
    }
    c.oneOf(adc, 'attenuationDb', 'adc', [0, 2.5, 6, 11, 12]);
    const fs = ATTEN_FULL_SCALE[String(adc.attenuationDb)];
    if (fs !== undefined) c.num(adc, 'fullScaleVolts', 'adc', 0.5, fs);
  }
  c.num(adc, 'rateHz', 'adc', 50, 20000, true);
  c.num(adc, 'blockPairs', 'adc', 1, 1024, true);
  const rate = typeof adc.rateHz === 'number' && adc.rateHz > 0 ? adc.rateHz : 20000;
  c.num(adc, 'skewUs', 'adc', 0, Math.floor(1e6 / rate)); // I must be sampled before the next V
}

function checkFrontend(c: Checker, fe: Obj): void {
  const p = 'frontend';
  c.only(fe, p, ['vAdcVoltsPerVolt', 'iAdcVoltsPerAmp', 'biasVolts', 'comparatorPeakAmps', 'comparatorPath', 'iSensor', 'ntc', 'mq6']);
  if (fe.iSensor !== undefined) c.oneOf(fe, 'iSensor', p, ['ct', 'shunt', 'hall']);
  c.num(fe, 'vAdcVoltsPerVolt', p, 1e-5, 1);
  c.num(fe, 'iAdcVoltsPerAmp', p, 1e-4, 1);
  c.num(fe, 'biasVolts', p, 0, 3.3);
  c.num(fe, 'comparatorPeakAmps', p, 1, 1000);
  c.oneOf(fe, 'comparatorPath', p, ['latch', 'native-isr', 'js']);
  const ntc = c.child(fe, 'ntc', p, false);
  if (ntc !== undefined) {
    c.only(ntc, 'frontend.ntc', ['r0', 't0C', 'beta', 'seriesOhms', 'ntcToGround']);
    c.num(ntc, 'r0', 'frontend.ntc', 100, 1e6);
    c.num(ntc, 't0C', 'frontend.ntc', -40, 125);
    c.num(ntc, 'beta', 'frontend.ntc', 1000, 10000);
    c.num(ntc, 'seriesOhms', 'frontend.ntc', 100, 1e6);
    c.bool(ntc, 'ntcToGround', 'frontend.ntc');
  }
  const mq = c.child(fe, 'mq6', p, false);
  if (mq !== undefined) {
    c.only(mq, 'frontend.mq6', ['loadOhms', 'r0Ohms', 'supplyVolts', 'dividerRatio', 'heaterWarmupS']);
    c.num(mq, 'loadOhms', 'frontend.mq6', 1e3, 1e6);
    c.num(mq, 'r0Ohms', 'frontend.mq6', 100, 1e6);
    c.num(mq, 'supplyVolts', 'frontend.mq6', 1, 12);
    c.num(mq, 'dividerRatio', 'frontend.mq6', 0.01, 1);
    c.num(mq, 'heaterWarmupS', 'frontend.mq6', 0, 86400);
  }
}

const BOARD_DIR = dirname(fileURLToPath(import.meta.url));

/** Names of the board files in boards/. */
export function listBoards(dir: string = BOARD_DIR): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -5))
    .sort();
}

/** Read and validate boards/<name>.json; throws an Error whose message lists every problem. */
export function loadBoard(name: string, dir: string = BOARD_DIR): Board {
  const known = listBoards(dir);
  if (!known.includes(name)) throw new Error(`board '${name}' not found; known boards: ${known.join(', ')}`);
  const file = join(dir, `${name}.json`);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`${file}: not valid JSON (${(e as Error).message})`);
  }
  const r = validateBoard(json);
  if (!r.ok) throw new Error(`${file}:\n  ${r.errors.join('\n  ')}`);
  if (r.board.name !== name) throw new Error(`${file}: name: must equal the file name '${name}', got ${show(r.board.name)}`);
  return r.board;
}
