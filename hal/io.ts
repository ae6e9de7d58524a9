// HAL interfaces, shaped after ECMA-419 (the Embedded Systems API the Moddable SDK
// implements as embedded:io/*). Firmware talks to hardware only through these types;
// a provider (hal/sim, hal/moddable, hal/espruino, hal/nodemcu) implements them.
//
// Everything here is a type: it erases to nothing, so firmware/ that imports it stays
// portable to XS, Espruino and Lua (typescript-to-lua).
//
// Units: time is in microseconds (µs) as a float-safe number. Long-running counters
// must stay floats so that Lua builds with 32-bit integers do not wrap (see
// docs/PORTABLE-SUBSET.md).

/** ECMA-419 §9.2 Analog: one-shot conversion. `read()` returns 0 .. 2^resolution - 1. */
export interface Analog {
  readonly resolution: number;
  read(): number;
  close(): void;
}
export interface AnalogOptions {
  pin: number;
  resolution?: number;
}

/** ECMA-419 Digital edge constants (Digital.Rising = 1, Digital.Falling = 2). */
export const EDGE_RISING = 1;
export const EDGE_FALLING = 2;

export type DigitalMode = 'input' | 'inputPullUp' | 'inputPullDown' | 'output' | 'outputOpenDrain';

/** ECMA-419 §9.3 Digital. `onReadable` fires on the configured `edge` (input modes). */
export interface Digital {
  read(): number;
  write(value: number): void;
  close(): void;
}
export interface DigitalOptions {
  pin: number;
  mode: DigitalMode;
  edge?: number;
  onReadable?: () => void;
}

/**
 * Continuous (DMA) ADC: our extension, modelled on ESP-IDF's adc_continuous driver.
 * The converter scans V then I without pause; the provider hands firmware *blocks* of
 * interleaved raw codes [v0, i0, v1, i1, ...]. The block array is reused by the
 * provider: a consumer must copy what it keeps. A broken driver may deliver NaN; a
 * consumer treats that as a sensor fault, never as a reading.
 */
export interface ContinuousAdc {
  readonly resolution: number;
  /** sample pairs per second (per channel) */
  readonly rateHz: number;
  /** sample pairs per block */
  readonly blockPairs: number;
  /** µs by which the I sample of a pair is taken after its V sample */
  readonly skewUs: number;
  /** blocks lost because the consumer was busy and the DMA ring was full */
  readonly overruns: number;
  start(): void;
  stop(): void;
  close(): void;
}
export interface ContinuousAdcOptions {
  pins: number[];
  rateHz: number;
  blockPairs: number;
  /** called once per block; tUs is the time of the block's first V sample */
  onBlock: (block: number[], tUs: number) => void;
}

/** ECMA-419 §9.4 Serial, in "number" format: one byte per read(). */
export interface Serial {
  /** next received byte, or undefined when the receive buffer is empty */
  read(): number | undefined;
  write(data: Uint8Array | number): void;
  close(): void;
}
export interface SerialOptions {
  port?: number;
  baud: number;
  onReadable?: (count: number) => void;
}

/** ECMA-419 §9.7 SPI: full-duplex transfer in place. Chip select is asserted around it. */
export interface SPI {
  transfer(buffer: Uint8Array): void;
  close(): void;
}
export interface SPIOptions {
  port?: number;
  select: number;
  hz: number;
  mode?: number;
}

/** Monotonic time since boot, µs. */
export interface Clock {
  now(): number;
}

/** One-shot and repeating timers, µs. Callbacks run on the (single) JS thread. */
export interface Timer {
  set(callback: () => void, delayUs: number, repeatUs?: number): number;
  clear(id: number): void;
}

/**
 * Persistent key-value store (NVS / flash). A single write is NOT atomic: a power cut
 * may leave a torn value. Callers that need durability use firmware/store/records.ts,
 * which keeps two slots with a sequence number and a CRC.
 */
export interface Store {
  read(key: string): Uint8Array | undefined;
  write(key: string, value: Uint8Array): void;
  delete(key: string): void;
}

/** What a board provider gives the meter-node composition root. */
export interface Device {
  io: {
    Analog: new (options: AnalogOptions) => Analog;
    Digital: new (options: DigitalOptions) => Digital;
    ContinuousAdc: new (options: ContinuousAdcOptions) => ContinuousAdc;
    Serial: new (options: SerialOptions) => Serial;
    SPI: new (options: SPIOptions) => SPI;
  };
  pin: Record<string, number>;
  clock: Clock;
  timer: Timer;
  store: Store;
}
