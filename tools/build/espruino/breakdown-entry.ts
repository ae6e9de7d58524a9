// For measure-rate.ts --breakdown: the two per-sample parts of the app, separately, built
// with the app's pipeline (bundleForEspruino) and run in XS on the Espruino shim:
// MainsMeter.processBlock alone (listeners empty), and the PolledAdc polling tick alone
// (two Analog reads through analogRead, block fill, an empty onBlock).
import { MainsMeter } from '../../../firmware/metering/mains-meter';
import { PolledAdc } from '../../../hal/moddable/polled-adc';

declare const global: Record<string, unknown>;
declare const analogRead: (pin: number) => number;
declare const getTime: () => number;
declare const setInterval: (cb: () => void, ms: number) => number;

/** Feeds `nBlocks` blocks of one 50 Hz cycle (230 V / 8 A-like codes) to a fresh meter. */
function meterOnly(rateHz: number, blockPairs: number, nBlocks: number): number {
  const m = new MainsMeter(
    { rateHz: rateHz, bits: 12, blockPairs: blockPairs, cal: { vGain: 0.2162, iGain: 0.0378, phaseShift: 0 }, hystCodes: 46, minHz: 40, maxHz: 70 },
    { onCycle: () => undefined, onHalfCycle: () => undefined, onPeak: () => undefined },
  );
  const b: number[] = [];
  for (let k = 0; k < blockPairs; k++) {
    const ph = (2 * Math.PI * 50 * k) / rateHz;
    b.push(2048 + 1500 * Math.sin(ph));
    b.push(2048 + 200 * Math.sin(ph - 0.3));
  }
  let t = 0;
  for (let n = 0; n < nBlocks; n++) {
    m.processBlock(b, blockPairs, t);
    t += (blockPairs * 1e6) / rateHz;
  }
  return m.reading.vrms;
}

/** Starts the polling path alone: PolledAdc on setInterval, as hal/espruino/device.ts builds it. */
function pollOnly(pinV: number, pinI: number, rateHz: number, blockPairs: number): void {
  const full = 4095;
  const analog = (pin: number) => ({ resolution: 12, read: () => Math.round(analogRead(pin) * full), close: () => undefined });
  const adc = new PolledAdc({ pins: [pinV, pinI], rateHz: rateHz, blockPairs: blockPairs, onBlock: () => undefined }, 12, analog,
    { set: (cb, delayUs, repeatUs) => setInterval(cb, (repeatUs !== undefined ? repeatUs : delayUs) / 1000), clear: () => undefined },
    { now: () => getTime() * 1e6 });
  adc.start();
}

global.__breakdown = { meterOnly: meterOnly, pollOnly: pollOnly };
