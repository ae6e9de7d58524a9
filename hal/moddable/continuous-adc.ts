// The JS face of the native adc_continuous host module (hal/moddable/native/adc-continuous.c,
// class in hal/moddable/native/adc-continuous.js). The C side only moves bytes: it copies
// each DMA conversion frame, as the driver delivers it, into one reused ArrayBuffer and
// calls onFrame(buffer, length, tEndUs). Everything that can be wrong about a frame is
// decided here, in TypeScript, so that it runs (and is tested) on the host:
//   - channel routing: each 16-bit entry carries its ADC1 channel; V and I are routed by
//     that field, and a frame whose entries are not V, I, V, I, ... is dropped whole
//     (a shifted or swapped frame would mix the voltage and current waveforms);
//   - 12-bit masking (adc_digi_output_data_t.type1: data:12, channel:4, ESP-IDF
//     hal/adc_types.h, "ESP32: Only `type1` is valid");
//   - decimation: ESP32 continuous mode cannot run below SOC_ADC_SAMPLE_FREQ_THRES_LOW
//     (20 kHz, esp32 soc_caps.h), and 2 channels at 4000 pairs/s is only 8 kHz aggregate,
//     so the converter runs at an integer multiple D of the asked rate and D consecutive
//     pairs are averaged into one (a boxcar: at D = 3, 24 kHz aggregate; gain at 50 Hz
//     1 - 2e-4, so metering is unaffected);
//   - time stamps: the C side stamps each frame's on_conv_done (esp_timer_get_time, µs);
//     the block's first (averaged) V sample is at tEnd - rawPairs*Tr + (D-1)/2*Tr.
// The block handed to onBlock is a reused number[] (what the firmware's MainsMeter takes
// today); a Uint16Array would be cheaper to fill but would not hold the averaged,
// non-integer codes, and the firmware (Lua-portable) does not take typed arrays.
// Espruino-level syntax like the rest of hal/moddable, though this file only ships on XS.
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
  if (!(rateHz >= 1 && rateHz <= maxRate) || Math.floor(rateHz) !== rateHz) throw new RangeError('ContinuousAdc rateHz: must be an integer 1 .. ' + maxRate + ' pairs/s, got ' + rateHz);
  let d = Math.ceil(ESP32_ADC_FREQ_MIN_HZ / (2 * rateHz));
  if (d < 1) d = 1;
  const frameBytes = blockPairs * d * 2 * RESULT_BYTES;
  const maxPairs = Math.floor(FRAME_MAX_BYTES / (d * 2 * RESULT_BYTES));
  if (!(blockPairs >= 1 && blockPairs <= maxPairs) || Math.floor(blockPairs) !== blockPairs) {
    throw new RangeError('ContinuousAdc blockPairs: must be an integer 1 .. ' + maxPairs + ' at ' + rateHz + ' pairs/s (frame at most ' + FRAME_MAX_BYTES + ' bytes), got ' + blockPairs);
  }
  const aggregateHz = 2 * rateHz * d;
  return {
    vChannel: v, iChannel: i, rateHz: rateHz, blockPairs: blockPairs, decimation: d, aggregateHz: aggregateHz,
    frameBytes: frameBytes, rawPairUs: 1e6 / (rateHz * d), skewUs: 1e6 / aggregateHz,
  };
}

/**
 * Decodes one frame into out[0 .. 2*blockPairs-1] ([v0, i0, v1, i1, ...], averaged over
 * `decimation` raw pairs). Returns '' when the frame is good, else why it was dropped
 * (out is then partly written and must not be used).
 */
export function decodeFrame(bytes: Uint8Array, length: number, plan: AdcPlan, out: number[]): string {
  if (length !== plan.frameBytes) return 'length ' + length + ' bytes, expected ' + plan.frameBytes;
  const d = plan.decimation;
  let at = 0;
  for (let k = 0; k < plan.blockPairs; k++) {
    let sv = 0;
    let si = 0;
    for (let j = 0; j < d; j++) {
      // little-endian 16-bit adc_digi_output_data_t: bits 0..11 data, 12..15 channel
      const ev = bytes[at] | (bytes[at + 1] << 8);
      const ei = bytes[at + 2] | (bytes[at + 3] << 8);
      if (ev >> 12 !== plan.vChannel || ei >> 12 !== plan.iChannel) {
        return 'channel order at entry ' + at / RESULT_BYTES + ': got ' + (ev >> 12) + ', ' + (ei >> 12) + ', expected ' + plan.vChannel + ', ' + plan.iChannel;
      }
      sv += ev & 0xfff;
      si += ei & 0xfff;
      at += 2 * RESULT_BYTES;
    }
    out[2 * k] = sv / d;
    out[2 * k + 1] = si / d;
  }
  return '';
}

/** Options of the native class (hal/moddable/native/adc-continuous.js). */
export interface NativeAdcOptions {
  vChannel: number;
  iChannel: number;
  /** adc_continuous_config_t.sample_freq_hz: conversions/s over both channels */
  sampleFreqHz: number;
  /** adc_continuous_handle_cfg_t.conv_frame_size, bytes */
  frameBytes: number;
  /** adc_continuous_handle_cfg_t.max_store_buf_size, bytes */
  poolBytes: number;
  /** the reused ArrayBuffer each frame is copied into (frameBytes long) */
  buffer: ArrayBuffer;
  onFrame: (buffer: ArrayBuffer, length: number, tEndUs: number) => void;
}
export interface NativeAdc {
  start(): void;
  stop(): void;
  close(): void;
  /** on_pool_ovf events since construction */
  readonly overflows: number;
}
export type NativeAdcClass = new (o: NativeAdcOptions) => NativeAdc;

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
  private readonly bytes: Uint8Array;
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
    const buffer = new ArrayBuffer(plan.frameBytes);
    this.bytes = new Uint8Array(buffer);
    const self = this;
    this.native = new Native({
      vChannel: plan.vChannel, iChannel: plan.iChannel, sampleFreqHz: plan.aggregateHz,
      frameBytes: plan.frameBytes, poolBytes: POOL_FRAMES * plan.frameBytes, buffer: buffer,
      onFrame: function (_b: ArrayBuffer, length: number, tEndUs: number): void {
        self.frame(length, tEndUs);
      },
    });
  }

  /** blocks lost because the driver's pool was full (on_pool_ovf) */
  get overruns(): number {
    return this.native.overflows;
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

  /** one frame from the native side (public for the host tests' fake driver) */
  frame(length: number, tEndUs: number): void {
    const why = decodeFrame(this.bytes, length, this.plan, this.block);
    if (why !== '') {
      this.badFrames++;
      this.lastBad = why;
      return;
    }
    const p = this.plan;
    const t = tEndUs - p.blockPairs * p.decimation * p.rawPairUs + ((p.decimation - 1) / 2) * p.rawPairUs;
    this.onBlock(this.block, t);
  }
}
