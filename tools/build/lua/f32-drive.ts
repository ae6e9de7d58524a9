// A small driver for the float32 study (tools/build/lua/float32.ts): the energy register
// after a steady load, starting from a given meter reading. Not part of any build.
import { MainsMeter } from '../../../firmware/metering/mains-meter';
import type { CoreCase } from '../../../firmware/parity/entry';

export function energyDelta(c: CoreCase, startWh: number): { deltaWh: number; cycles: number; lastTUs: number } {
  let cycles = 0;
  let lastTUs = 0;
  const meter = new MainsMeter(
    {
      rateHz: c.rateHz,
      bits: 12,
      blockPairs: c.blockPairs,
      cal: { vGain: c.cal[0], iGain: c.cal[1], phaseShift: c.cal[2] },
      hystCodes: 10 / c.cal[0],
      minHz: 40,
      maxHz: 70,
    },
    {
      onCycle: (r) => {
        cycles++;
        lastTUs = r.tUs;
      },
      onHalfCycle: () => {},
      onPeak: () => {},
    },
  );
  meter.energy.importWh = startWh;
  const len = c.blockPairs * 2;
  const block: number[] = [];
  for (let k = 0; k < len; k++) block.push(0);
  const ts = 1e6 / c.rateHz;
  const n = Math.floor(c.codes.length / len);
  for (let b = 0; b < n; b++) {
    for (let k = 0; k < len; k++) block[k] = c.codes[b * len + k];
    meter.processBlock(block, c.blockPairs, c.t0Us + b * c.blockPairs * ts);
  }
  return { deltaWh: meter.energy.importWh - startWh, cycles: cycles, lastTUs: lastTUs };
}
