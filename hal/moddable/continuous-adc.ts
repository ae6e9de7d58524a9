// The JS face of the native adc_continuous host module (hal/moddable/native/adc-continuous.c,
// class in hal/moddable/native/adc-continuous.js): hal/io ContinuousAdc on top of it, the
// converter plan (channels, decimation, frame size), and decodeLocked, the TypeScript
// reference of the C frame decoder (hal/moddable/native/adc-decode.h), which the host
// tests compile, run and compare with it on the same frames.
//
// What a frame decode does (both versions):
//   - channel routing: each 16-bit entry carries its ADC1 channel; V and I are routed by
//     that field. On the ESP32 the ADC reaches memory through I2S0's DMA, whose RX FIFO
//     stores the upper 16 bits first, so samples may land as [s1, s0, s3, s2, ...]
//     (ESP32 TRM v4.6 §12, "Modes of Writing Received Data into FIFO"; esp-idf issues #5444,
//     #10636): the word order (V,I or I,V in each 32-bit word) is locked on the first good
//     frame, and a later frame in another order, or with a foreign channel, is dropped whole
//     (a shifted frame would pair each I with the wrong V);
//   - 12-bit masking (adc_digi_output_data_t.type1: data:12, channel:4, ESP-IDF
//     hal/adc_types.h, "ESP32: Only `type1` is valid");
//   - decimation: ESP32 continuous mode cannot run below SOC_ADC_SAMPLE_FREQ_THRES_LOW
//     (20 kHz, esp32 soc_caps.h), and 2 channels at 4000 pairs/s is only 8 kHz aggregate,
//     so the converter runs at an integer multiple D of the asked rate and D consecutive
//     pairs are averaged into one (a boxcar: at D = 3, 24 kHz aggregate; gain at 50 Hz
//     1 - 2e-4, so metering is unaffected).
// Time stamps: the C side stamps each frame's on_conv_done (esp_timer_get_time, µs); the
// block's first (averaged) V sample is at tEnd - rawPairs*Tr + (D-1)/2*Tr.
// The decode runs in C because in XS it costs ~2900 computrons per 2 ms frame
// (tools/bench/native-decode.ts). The block handed to onBlock is a reused number[]
// (what the firmware's MainsMeter takes today) that the C fills in place; a Uint16Array
// would be cheaper to fill but cannot hold the averaged, non-integer codes, and the
// firmware (Lua-portable) does not take typed arrays.
import type { ContinuousAdc, ContinuousAdcOptions } from '../io';

/** ESP32 SOC_ADC_SAMPLE_FREQ_THRES_LOW / _HIGH (ESP-IDF components/soc/esp32/include/soc/soc_caps.h) */
export const ESP32_ADC_FREQ_MIN_HZ = 20000;
export const ESP32_ADC_FREQ_MAX_HZ = 2000000;
/** SOC_ADC_DIGI_RESULT_BYTES on the ESP32: one adc_digi_output_data_t is 2 bytes */
export const RESULT_BYTES = 2;
/** frames the driver's pool holds (max_store_buf_size = POOL_FRAMES * frameBytes): 16 blocks */
export const POOL_FRAMES = 16;
/** ADC1 channel -> GPIO on the ESP32 (Moddable modules/io/analog/esp32/_analog.c gADCMap; ESP32 datasheet §2.2) */
export const ADC1_GPIO = [36, 37, 38, 39, 32, 33, 34, 35];
/** largest frame the C side accepts (kFrameMaxBytes in adc-continuous.c) */
export const FRAME_MAX_BYTES = 4096;

/** what the native class needs, and what the decoder checks against */
export interface AdcPlan {
  vChannel: number;
  iChannel: number;
  /** output pairs per second (the asked rate) */
  rateHz: number;
  blockPairs: number;
  /** raw pairs averaged into one output pair */
  decimation: number;
  /** conversions per second, both channels: sample_freq_hz */
  aggregateHz: number;
  /** conv_frame_size: blockPairs * decimation * 2 * RESULT_BYTES */
  frameBytes: number;
  /** µs between raw pairs */
  rawPairUs: number;
  /** µs by which the (averaged) I sample follows its V sample: one conversion */
  skewUs: number;
}

/** ADC1 channel of a GPIO, or a clear error naming the field */
export function adc1Channel(pin: number, field: string): number {
  for (let c = 0; c < ADC1_GPIO.length; c++) if (ADC1_GPIO[c] === pin) return c;
  throw new RangeError(field + ': GPIO ' + pin + ' is not an ADC1 pin (allowed: ' + ADC1_GPIO.join(', ') + '); ADC2 has no DMA mode on the ESP32');
}

/** Checks the options and works out the converter set-up. */
export function planContinuousAdc(pins: number[], rateHz: number, blockPairs: number): AdcPlan {
  if (pins.length !== 2) throw new RangeError('ContinuousAdc pins: must be [voltagePin, currentPin], got ' + pins.length + ' pins');
  const v = adc1Channel(pins[0], 'ContinuousAdc pins[0] (voltage)');
  const i = adc1Channel(pins[1], 'ContinuousAdc pins[1] (current)');
  if (v === i) throw new RangeError('ContinuousAdc pins: voltage and current must be different channels, both are GPIO ' + pins[0]);
  const maxRate = ESP32_ADC_FREQ_MAX_HZ / 2;
  if (!(rateHz >= 1 && rateHz <= maxRate) || Math.floor(rateHz) !== rateHz)
    throw new RangeError('ContinuousAdc rateHz: must be an integer 1 .. ' + maxRate + ' pairs/s, got ' + rateHz);
  let d = Math.ceil(ESP32_ADC_FREQ_MIN_HZ / (2 * rateHz));
  if (d < 1) d = 1;
  const frameBytes = blockPairs * d * 2 * RESULT_BYTES;
  const maxPairs = Math.floor(FRAME_MAX_BYTES / (d * 2 * RESULT_BYTES));
  if (!(blockPairs >= 1 && blockPairs <= maxPairs) || Math.floor(blockPairs) !== blockPairs) {
    throw new RangeError(
      'ContinuousAdc blockPairs: must be an integer 1 .. ' +
        maxPairs +
        ' at ' +
        rateHz +
        ' pairs/s (frame at most ' +
        FRAME_MAX_BYTES +
        ' bytes), got ' +
        blockPairs,
    );
  }
  const aggregateHz = 2 * rateHz * d;
  return {
    vChannel: v,
    iChannel: i,
    rateHz: rateHz,
    blockPairs: blockPairs,
    decimation: d,
    aggregateHz: aggregateHz,
    frameBytes: frameBytes,
    rawPairUs: 1e6 / (rateHz * d),
    skewUs: 1e6 / aggregateHz,
  };
}

/** word order of a frame, as adc-decode.h numbers it: 0 not locked yet, 1 V then I, 2 I then V */
export interface OrderState {
  order: number;
}

/**
 * One frame in one word order (swapped: I then V in each 32-bit word). Writes out[] =
 * [v0, i0, ...] averaged over `decimation` raw pairs. Returns 0, or 1 + the index of the
 * first entry of the first bad word (out is then partly written and must not be used).
 */
export function decodeFrame(bytes: Uint8Array, plan: AdcPlan, out: number[], swapped: boolean): number {
  const d = plan.decimation;
  const first = swapped ? 2 : 0; // byte offset of the V entry in a word
  const second = swapped ? 0 : 2;
  let at = 0;
  for (let k = 0; k < plan.blockPairs; k++) {
    let sv = 0;
    let si = 0;
    for (let j = 0; j < d; j++) {
      // little-endian 16-bit adc_digi_output_data_t: bits 0..11 data, 12..15 channel
      const ev = bytes[at + first] | (bytes[at + first + 1] << 8);
      const ei = bytes[at + second] | (bytes[at + second + 1] << 8);
      if (ev >> 12 !== plan.vChannel || ei >> 12 !== plan.iChannel) return 1 + at / RESULT_BYTES;
      sv += ev & 0xfff;
      si += ei & 0xfff;
      at += 2 * RESULT_BYTES;
    }
    out[2 * k] = sv / d;
    out[2 * k + 1] = si / d;
  }
  return 0;
}

/** meterAdcDecode of adc-decode.h: 0 good, -1 bad length, n > 0 bad word at entry n - 1; locks the word order. */
export function decodeLocked(bytes: Uint8Array, length: number, plan: AdcPlan, state: OrderState, out: number[]): number {
  if (length !== plan.frameBytes) return -1;
  if (state.order !== 0) return decodeFrame(bytes, plan, out, state.order === 2);
  const status = decodeFrame(bytes, plan, out, false);
  if (status === 0) {
    state.order = 1;
    return 0;
  }
  if (decodeFrame(bytes, plan, out, true) === 0) {
    state.order = 2;
    return 0;
  }
  return status;
}

/** why a frame was dropped, from its status */
export function describeStatus(status: number, plan: AdcPlan): string {
  if (status === 0) return '';
  if (status === -1) return 'frame length is not ' + plan.frameBytes + ' bytes';
  return 'channel order at entry ' + (status - 1) + ': expected channels ' + plan.vChannel + ' (V) and ' + plan.iChannel + ' (I) in each 32-bit word';
}

/** Options of the native class (hal/moddable/native/adc-continuous.js). */
export interface NativeAdcOptions {
  vChannel: number;
  iChannel: number;
  decimation: number;
  blockPairs: number;
  /** adc_continuous_config_t.sample_freq_hz: conversions/s over both channels */
  sampleFreqHz: number;
  /** adc_continuous_handle_cfg_t.conv_frame_size, bytes */
  frameBytes: number;
  /** adc_continuous_handle_cfg_t.max_store_buf_size, bytes */
  poolBytes: number;
  /** the reused block [v0, i0, ...] (2 * blockPairs numbers) the C decodes each frame into */
  block: number[];
  /** status: 0 good (block filled), -1 bad length, n > 0 bad channel order at entry n - 1 */
  onFrame: (status: number, tEndUs: number) => void;
}
export interface NativeAdc {
  start(): void;
  stop(): void;
  close(): void;
  /** on_pool_ovf events since construction */
  readonly overflows: number;
  /** 0 not locked, 1 V then I, 2 I then V (adc-decode.h) */
  readonly wordOrder: number;
}
export type NativeAdcClass = new (o: NativeAdcOptions) => NativeAdc;

const ORDER_NAMES = ['', 'VI', 'IV'];

/** hal/io ContinuousAdc over the native adc_continuous module. */
export class NativeContinuousAdc implements ContinuousAdc {
  readonly resolution: number;
  readonly rateHz: number;
  readonly blockPairs: number;
  readonly skewUs: number;
  readonly plan: AdcPlan;
  /** frames dropped by the decoder (bad length or channel order) */
  badFrames: number;
  /** why the last frame was dropped ('' if none was) */
  lastBad: string;
  private readonly native: NativeAdc;
  private readonly block: number[];
  private readonly onBlock: (block: number[], tUs: number) => void;

  constructor(o: ContinuousAdcOptions, Native: NativeAdcClass) {
    const plan = planContinuousAdc(o.pins, o.rateHz, o.blockPairs);
    this.plan = plan;
    this.resolution = 12; // type1 data:12 (hal/adc_types.h)
    this.rateHz = o.rateHz;
    this.blockPairs = o.blockPairs;
    this.skewUs = plan.skewUs;
    this.badFrames = 0;
    this.lastBad = '';
    this.onBlock = o.onBlock;
    this.block = [];
    for (let k = 0; k < 2 * o.blockPairs; k++) this.block.push(0);
    const self = this;
    this.native = new Native({
      vChannel: plan.vChannel,
      iChannel: plan.iChannel,
      decimation: plan.decimation,
      blockPairs: plan.blockPairs,
      sampleFreqHz: plan.aggregateHz,
      frameBytes: plan.frameBytes,
      poolBytes: POOL_FRAMES * plan.frameBytes,
      block: this.block,
      onFrame: function (status: number, tEndUs: number): void {
        self.frame(status, tEndUs);
      },
    });
  }

  /** blocks lost because the driver's pool was full (on_pool_ovf) */
  get overruns(): number {
    return this.native.overflows;
  }

  /** word order the decoder locked: 'VI', 'IV' (the ESP32 I2S FIFO order) or '' before the first good frame */
  get wordOrder(): string {
    const n = this.native.wordOrder;
    return n >= 0 && n < ORDER_NAMES.length ? ORDER_NAMES[n] : '?';
  }

  start(): void {
    this.native.start();
  }

  stop(): void {
    this.native.stop();
  }

  close(): void {
    this.native.close();
  }

  private frame(status: number, tEndUs: number): void {
    if (status !== 0) {
      this.badFrames++;
      this.lastBad = describeStatus(status, this.plan);
      return;
    }
    const p = this.plan;
    const t = tEndUs - p.blockPairs * p.decimation * p.rawPairUs + ((p.decimation - 1) / 2) * p.rawPairUs;
    this.onBlock(this.block, t);
  }
}
