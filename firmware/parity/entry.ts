// Parity entry: the metering and protection core driven by plain-data vectors. The same
// function runs under Node, XS (xsnap) and Lua 5.3 (fengari); host-tests compare the
// outputs (floats to 1e-9 relative, trips and states exactly).
import { MainsMeter } from '../metering/mains-meter';
import type { GasReading } from '../metering/mq6';
import { readMq6 } from '../metering/mq6';
import type { NtcReading } from '../metering/ntc';
import { readNtc, steinhartFromBeta, steinhartFromPoints } from '../metering/ntc';
import { Protection } from '../protection/protection';
import { applySettings, configureMeter, defaultSettings } from '../protection/settings';

export interface CoreCase {
  name: string;
  /** settings to change: names[k] = values[k] */
  names: string[];
  values: number[];
  /** vGain, iGain, phaseShift */
  cal: number[];
  rateHz: number;
  blockPairs: number;
  t0Us: number;
  /** all blocks back to back, interleaved V/I codes */
  codes: number[];
  /** slow sensor codes, one pair (ntc, gas) per second from t0 */
  slow: number[];
}

export interface ConversionCase {
  ntcCodes: number[];
  gasCodes: number[];
}

export interface ParityInput {
  cases: CoreCase[];
  conversions: ConversionCase;
}

export interface CoreResult {
  name: string;
  /** per cycle: tUs, vrms, irms, p, freqHz, flags */
  cycles: number[];
  halves: number[];
  trips: string[];
  tripTimes: number[];
  /** relay commands: time, 1 = close, 0 = open */
  relay: number[];
  importWh: number;
  state: string;
  settingsError: string;
}

export interface ParityOutput {
  cases: CoreResult[];
  celsius: number[];
  ppm: number[];
}

export function runCase(c: CoreCase): CoreResult {
  const res: CoreResult = {
    name: c.name,
    cycles: [],
    halves: [],
    trips: [],
    tripTimes: [],
    relay: [],
    importWh: 0,
    state: '',
    settingsError: '',
  };
  const settings = defaultSettings();
  const change: Record<string, number> = {};
  for (let k = 0; k < c.names.length; k++) change[c.names[k]] = c.values[k];
  const sr = applySettings(settings, change);
  if (!sr.ok) res.settingsError = sr.field;
  const prot = new Protection(settings, {
    open: (t: number) => {
      res.relay.push(t);
      res.relay.push(0);
    },
    close: (t: number) => {
      res.relay.push(t);
      res.relay.push(1);
    },
  });
  prot.log.listener = (e) => {
    res.trips.push(e.reason + ':' + e.state);
    res.tripTimes.push(e.tUs);
  };
  const cal = { vGain: c.cal[0], iGain: c.cal[1], phaseShift: c.cal[2] };
  const meter = new MainsMeter(
    { rateHz: c.rateHz, bits: 12, blockPairs: c.blockPairs, cal: cal, hystCodes: 10 / cal.vGain, minHz: 40, maxHz: 70 },
    {
      onCycle: (r) => {
        res.cycles.push(r.tUs);
        res.cycles.push(r.vrms);
        res.cycles.push(r.irms);
        res.cycles.push(r.p);
        res.cycles.push(r.freqHz);
        res.cycles.push(r.flags);
        prot.onCycle(r, meter.energy.todayWh);
      },
      onHalfCycle: (v, t) => {
        res.halves.push(v);
        prot.onHalfCycle(v, t);
      },
      onPeak: (i, t) => prot.onPeak(i, t),
    },
  );
  configureMeter(meter, settings, c.rateHz);
  const block: number[] = [];
  const len = c.blockPairs * 2;
  for (let k = 0; k < len; k++) block.push(0);
  const ts = 1e6 / c.rateHz;
  const nBlocks = Math.floor(c.codes.length / len);
  let nextSlow = 0;
  const sh = steinhartFromBeta(10000, 25, 3950);
  const ntc: NtcReading = { celsius: 0, status: 'invalid' };
  const gas: GasReading = { ppm: 0, ratio: 0, status: 'invalid' };
  for (let b = 0; b < nBlocks; b++) {
    for (let k = 0; k < len; k++) block[k] = c.codes[b * len + k];
    const t = c.t0Us + b * c.blockPairs * ts;
    meter.processBlock(block, c.blockPairs, t);
    prot.onBlockEnd(t + c.blockPairs * ts);
    const second = Math.floor((t - c.t0Us) / 1e6);
    if (second >= nextSlow && nextSlow * 2 + 1 < c.slow.length) {
      readNtc(c.slow[nextSlow * 2], DIVIDER, sh, ntc);
      readMq6(c.slow[nextSlow * 2 + 1], 1000 + nextSlow, MQ6, gas);
      prot.onSlow(
        {
          tempC: ntc.celsius,
          tempOk: ntc.status === 'ok',
          tempFault: ntc.status !== 'ok',
          gasPpm: gas.ppm,
          gasOk: gas.status === 'ok',
          gasFault: gas.status !== 'ok' && gas.status !== 'warming',
        },
        t,
      );
      nextSlow++;
    }
  }
  res.importWh = meter.energy.importWh;
  res.state = prot.breaker.state;
  return res;
}

const DIVIDER = { fullScaleVolts: 3.1, bits: 12, supplyVolts: 3.3, seriesOhms: 10000, ntcToGround: true };
const MQ6 = {
  fullScaleVolts: 3.1,
  bits: 12,
  supplyVolts: 5,
  loadOhms: 20000,
  r0Ohms: 10000,
  dividerRatio: 0.6,
  warmupS: 180,
  slope: -0.42,
};

export function runVectors(input: ParityInput): ParityOutput {
  const out: ParityOutput = { cases: [], celsius: [], ppm: [] };
  for (let k = 0; k < input.cases.length; k++) out.cases.push(runCase(input.cases[k]));
  const sh = steinhartFromPoints(0, 32650, 25, 10000, 70, 1752);
  const ntc: NtcReading = { celsius: 0, status: 'invalid' };
  const gas: GasReading = { ppm: 0, ratio: 0, status: 'invalid' };
  const conv = input.conversions;
  for (let k = 0; k < conv.ntcCodes.length; k++) {
    readNtc(conv.ntcCodes[k], DIVIDER, sh, ntc);
    out.celsius.push(ntc.status === 'ok' ? ntc.celsius : -999);
  }
  for (let k = 0; k < conv.gasCodes.length; k++) {
    readMq6(conv.gasCodes[k], 1000, MQ6, gas);
    out.ppm.push(gas.status === 'ok' ? gas.ppm : -1);
  }
  return out;
}
