// The shape of a board description (boards/*.json). One file per board: pins, ADC set-up,
// analog front end, calibration defaults, relay and radio profile. Validation lives in
// boards/schema.ts; the simulator and the build tools read the same files.

export interface NtcFrontend {
  r0: number; // ohms at t0C
  t0C: number;
  beta: number; // K
  seriesOhms: number;
  ntcToGround: boolean; // NTC between ADC pin and ground, series resistor to supply
}

export interface Mq6Frontend {
  loadOhms: number; // RL
  r0Ohms: number; // Rs at 1000 ppm LPG (datasheet calibration point)
  supplyVolts: number; // Vc across sensor + RL
  dividerRatio: number; // ADC volts per sensor-output volt
  heaterWarmupS: number;
}

export interface BoardDescription {
  name: string;
  description: string;
  mcu: 'esp32' | 'esp8266';
  role: 'meter' | 'control';
  target: 'moddable' | 'espruino' | 'lua';
  pins: Record<string, number>;
  adc: {
    bits: number;
    attenuationDb: number;
    fullScaleVolts: number;
    rateHz: number; // sample pairs per second per channel
    blockPairs: number; // sample pairs per DMA block
    skewUs: number; // I sampled this long after V
  };
  frontend?: {
    vAdcVoltsPerVolt: number;
    iAdcVoltsPerAmp: number;
    biasVolts: number;
    comparatorPeakAmps: number;
    comparatorPath: 'latch' | 'native-isr' | 'js';
    /** the current sensor: 'ct' passes no DC (its I offset is also tracked over whole
     *  seconds); 'shunt' and 'hall' pass DC (offset only while the breaker is open).
     *  Default 'ct'. docs/PROTECTION.md, "Offsets". */
    iSensor?: 'ct' | 'shunt' | 'hall';
    ntc: NtcFrontend;
    mq6: Mq6Frontend;
  };
  calibration?: { vGain: number; iGain: number; phaseShift: number };
  relay?: { activeHigh: boolean; releaseMs: number; operateMs: number };
  /** spiPort: the SPI host the radio's bus is on (ESP32: 1 = SPI2_HOST, 2 = SPI3_HOST); Moddable's spi.c needs it */
  radio?: { profile: 'nrf24' | 'lora' | 'espnow'; channel: number; spiPort?: number };
}
