// Analog front end and ADC conversion of the simulated meter node.
//
// Mains channels (ZMPT101B-like voltage module, SCT-013-like CT with burden), biased at
// mid-rail:  code = round((bias + x*scale*(1+gainErr) + offsetErr)/fullScale*2^bits + noise)
// clamped to [0, 2^bits - 1]. Noise is gaussian, 0.7 LSB rms by default (ESP32 SAR ADC
// codes scatter by about a code even with a clean input; Espressif ADC docs recommend
// multisampling for that reason).
//
// NTC: Beta model R = r0*exp(beta*(1/T - 1/T0)) in a divider from a 3.3 V supply.
// MQ-6: Rs = r0*(ppm/1000)^-0.42, a fit of the Hanwei MQ-6 LPG sensitivity curve (Rs/R0 = 1
// at 1000 ppm, about 10 in clean air); Vout = supply*RL/(Rs+RL)*dividerRatio. The sensor
// answers with a first-order lag (tau 10 s, the order of the datasheet response time) on
// ln(Rs), and while the heater warms up Rs reads low (a false "gas" reading):
// Rs_read = Rs*(0.2 + 0.8*(1 - exp(-t/tauW))) with tauW = heaterWarmupS/3 (60 s for the
// datasheet's 3 min), so it is within 5 % when the warm-up time ends.
//
// Sensor faults per channel, on a timeline: 'open', 'shorted' (to the rail the circuit goes
// to, noise free), 'stuck' (repeats its last code, no noise), 'nan' (the driver delivers NaN).
// For v and i: 'open' = signal lead broken, the pin is pulled to 0 V; 'shorted' = the
// transducer output shorted to its bias, so the pin sits at mid-rail with noise only.
import type { BoardDescription, Mq6Frontend, NtcFrontend } from '../../boards/board';
import type { Environment } from './env';
import { checkRange } from './check';
import type { Prng } from './prng';

export type SensorChannel = 'v' | 'i' | 'ntc' | 'gas';
export type SensorFaultKind = 'open' | 'shorted' | 'stuck' | 'nan';
const CHANNELS: SensorChannel[] = ['v', 'i', 'ntc', 'gas'];
const KINDS: SensorFaultKind[] = ['open', 'shorted', 'stuck', 'nan'];

export interface FrontendOptions {
  /** gaussian noise, LSB rms (default 0.7) */
  noiseLsb?: number;
  /** DC offset error at the ADC pin, volts, per mains channel */
  offsetErrVolts?: { v?: number; i?: number };
  /** relative gain error per mains channel (0.01 = reads 1 % high) */
  gainErr?: { v?: number; i?: number };
  /** NTC divider supply (default 3.3 V) */
  ntcSupplyVolts?: number;
  /** MQ-6 response time constant, s (default 10) */
  mq6TauS?: number;
}

interface Channel {
  faults: { atUs: number; kind: SensorFaultKind | null }[];
  last: number | undefined;
  prng: Prng;
}

const KELVIN = 273.15;

export class AdcFrontend {
  readonly bits: number;
  readonly maxCode: number;
  readonly lsbVolts: number;
  readonly noiseLsb: number;
  readonly ntc: NtcFrontend;
  readonly mq6: Mq6Frontend;
  readonly ntcSupplyVolts: number;
  private readonly ch: Record<SensorChannel, Channel>;
  private readonly vK: number;
  private readonly vC: number;
  private readonly iK: number;
  private readonly iC: number;
  private readonly biasVolts: number;
  private readonly mq6TauUs: number;
  private gasLnRs: number;
  private gasT: number;

  constructor(
    board: BoardDescription,
    private readonly env: Environment,
    prng: Prng,
    private readonly powerOnUs: number,
    o: FrontendOptions = {},
  ) {
    const fe = board.frontend;
    if (fe === undefined) throw new RangeError(`board '${board.name}' has no 'frontend' section; a meter node needs one`);
    this.bits = checkRange('adc.bits', board.adc.bits, 8, 16, 'bits');
    this.maxCode = Math.pow(2, this.bits) - 1;
    this.lsbVolts = checkRange('adc.fullScaleVolts', board.adc.fullScaleVolts, 0.1, 10, 'V') / Math.pow(2, this.bits);
    this.noiseLsb = checkRange('frontend.noiseLsb', o.noiseLsb === undefined ? 0.7 : o.noiseLsb, 0, 100, 'LSB rms');
    const off = o.offsetErrVolts || {};
    const gain = o.gainErr || {};
    this.biasVolts = fe.biasVolts;
    this.vK = (fe.vAdcVoltsPerVolt * (1 + (gain.v || 0))) / this.lsbVolts;
    this.iK = (fe.iAdcVoltsPerAmp * (1 + (gain.i || 0))) / this.lsbVolts;
    this.vC = (fe.biasVolts + (off.v || 0)) / this.lsbVolts;
    this.iC = (fe.biasVolts + (off.i || 0)) / this.lsbVolts;
    this.ntc = fe.ntc;
    this.mq6 = fe.mq6;
    this.ntcSupplyVolts = o.ntcSupplyVolts === undefined ? 3.3 : o.ntcSupplyVolts;
    this.mq6TauUs = checkRange('frontend.mq6TauS', o.mq6TauS === undefined ? 10 : o.mq6TauS, 0.001, 3600, 's') * 1e6;
    const mk = (name: string): Channel => ({ faults: [], last: undefined, prng: prng.fork(name) });
    this.ch = { v: mk('v'), i: mk('i'), ntc: mk('ntc'), gas: mk('gas') };
    this.gasT = powerOnUs;
    this.gasLnRs = Math.log(this.mq6Rs(env.gasAt(powerOnUs)));
  }

  // ---- transfer functions (pure) ----

  /** NTC resistance (Ω) at tempC, Beta model. */
  ntcOhms(tempC: number): number {
    const n = this.ntc;
    return n.r0 * Math.exp(n.beta * (1 / (tempC + KELVIN) - 1 / (n.t0C + KELVIN)));
  }

  /** Voltage at the ADC pin of the NTC divider at tempC. */
  ntcVolts(tempC: number): number {
    const r = this.ntcOhms(tempC);
    const s = this.ntc.seriesOhms;
    return this.ntcSupplyVolts * (this.ntc.ntcToGround ? r / (r + s) : s / (r + s));
  }

  /** MQ-6 sensing resistance (Ω) in steady state at ppm LPG. */
  mq6Rs(ppm: number): number {
    return this.mq6.r0Ohms * Math.pow(Math.max(ppm, 0.01) / 1000, -0.42);
  }

  /** Voltage at the ADC pin for a sensor resistance rs. */
  mq6Volts(rs: number): number {
    const m = this.mq6;
    return ((m.supplyVolts * m.loadOhms) / (rs + m.loadOhms)) * m.dividerRatio;
  }

  /** Heater warm-up factor on Rs at tUs (0.2 at power-on, -> 1). */
  warmupFactor(tUs: number): number {
    const tauW = (this.mq6.heaterWarmupS / 3) * 1e6;
    const dt = Math.max(0, tUs - this.powerOnUs);
    return tauW > 0 ? 0.2 + 0.8 * (1 - Math.exp(-dt / tauW)) : 1;
  }

  /** The Rs the sensor shows at tUs (lag and warm-up applied). Call with non-decreasing t. */
  gasSensorRs(tUs: number): number {
    while (this.gasT < tUs) {
      const dt = Math.min(1e6, tUs - this.gasT); // 1 s steps: tau is 10 s
      const target = Math.log(this.mq6Rs(this.env.gasAt(this.gasT + dt / 2)));
      this.gasLnRs += (target - this.gasLnRs) * (1 - Math.exp(-dt / this.mq6TauUs));
      this.gasT += dt;
    }
    return Math.exp(this.gasLnRs) * this.warmupFactor(tUs);
  }

  // ---- conversions ----

  /** Code of the voltage channel for an instantaneous mains voltage `volts` at tUs. */
  vCode(tUs: number, volts: number): number {
    const c = this.ch.v;
    if (c.faults.length !== 0) {
      const f = this.faultAt(c, tUs);
      if (f !== null) return this.faulted(c, f, 0, this.biasVolts);
    }
    return (c.last = this.quantise(this.vC + this.vK * volts, c.prng));
  }

  /** Code of the current channel for an instantaneous current `amps` at tUs. */
  iCode(tUs: number, amps: number): number {
    const c = this.ch.i;
    if (c.faults.length !== 0) {
      const f = this.faultAt(c, tUs);
      if (f !== null) return this.faulted(c, f, 0, this.biasVolts);
    }
    return (c.last = this.quantise(this.iC + this.iK * amps, c.prng));
  }

  ntcCode(tUs: number): number {
    const c = this.ch.ntc;
    const f = this.faultAt(c, tUs);
    if (f !== null) {
      const toGnd = this.ntc.ntcToGround;
      return this.faulted(c, f, toGnd ? this.ntcSupplyVolts : 0, toGnd ? 0 : this.ntcSupplyVolts);
    }
    return (c.last = this.quantise(this.ntcVolts(this.env.temperatureAt(tUs)) / this.lsbVolts, c.prng));
  }

  gasCode(tUs: number): number {
    const c = this.ch.gas;
    const rs = this.gasSensorRs(tUs);
    const f = this.faultAt(c, tUs);
    if (f !== null) return this.faulted(c, f, 0, this.mq6.supplyVolts * this.mq6.dividerRatio);
    return (c.last = this.quantise(this.mq6Volts(rs) / this.lsbVolts, c.prng));
  }

  // ---- sensor faults ----

  sensorFault(channel: SensorChannel, kind: SensorFaultKind, atUs: number): void {
    this.addFault(channel, kind, atUs);
  }

  clearSensorFault(channel: SensorChannel, atUs: number): void {
    this.addFault(channel, null, atUs);
  }

  /** The fault active on a channel at tUs, or null. */
  sensorFaultAt(channel: SensorChannel, tUs: number): SensorFaultKind | null {
    return this.faultAt(this.ch[checkChannel(channel)], tUs);
  }

  private addFault(channel: SensorChannel, kind: SensorFaultKind | null, atUs: number): void {
    const c = this.ch[checkChannel(channel)];
    if (kind !== null && KINDS.indexOf(kind) < 0) throw new RangeError(`sensor fault kind must be one of ${KINDS.join(', ')}, got '${kind}'`);
    if (typeof atUs !== 'number' || !Number.isFinite(atUs)) throw new RangeError(`sensor fault atUs must be a finite time in µs, got ${atUs}`);
    let k = c.faults.length;
    while (k > 0 && c.faults[k - 1].atUs > atUs) k--;
    c.faults.splice(k, 0, { atUs, kind });
  }

  private faultAt(c: Channel, t: number): SensorFaultKind | null {
    const fs = c.faults;
    for (let k = fs.length - 1; k >= 0; k--) if (fs[k].atUs <= t) return fs[k].kind;
    return null;
  }

  private faulted(c: Channel, kind: SensorFaultKind, openVolts: number, shortedVolts: number): number {
    switch (kind) {
      case 'nan':
        return NaN;
      case 'stuck':
        if (c.last === undefined) c.last = this.quantise(this.biasVolts / this.lsbVolts, c.prng);
        return c.last;
      case 'open':
        return (c.last = this.clamp(Math.round(openVolts / this.lsbVolts)));
      case 'shorted':
        // v/i: output at the bias, noise remains (the ADC still sees it); rails: exact
        return (c.last =
          c === this.ch.v || c === this.ch.i ? this.quantise(shortedVolts / this.lsbVolts, c.prng) : this.clamp(Math.round(shortedVolts / this.lsbVolts)));
    }
  }

  private quantise(lsb: number, prng: Prng): number {
    const x = Math.round(this.noiseLsb === 0 ? lsb : lsb + this.noiseLsb * prng.gauss());
    return x <= 0 ? 0 : x > this.maxCode ? this.maxCode : x;
  }

  private clamp(x: number): number {
    return x <= 0 ? 0 : x > this.maxCode ? this.maxCode : x;
  }
}

function checkChannel(channel: SensorChannel): SensorChannel {
  if (CHANNELS.indexOf(channel) < 0) throw new RangeError(`sensor channel must be one of ${CHANNELS.join(', ')}, got '${channel}'`);
  return channel;
}
