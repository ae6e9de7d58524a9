// Study: the meter node on the Moddable polled ADC (PolledAdc on the 1 ms Timer) when the JS
// thread stalls. Every 250 ms the simulated JS thread is busy for <gapMs> ms (a GC pass, a
// flash write, a long console reply), so timer ticks come late and PolledAdc starts a new
// block after the gap (an overrun). Prints the breaker state, trips and the averages after
// 10 s of a 230 V / 10 A load. Found while running the app on lin (docs/BUILD-MODDABLE.md,
// "The lin run"): there the same gaps made false over-current trips.
//
//   npx tsx tools/build/moddable/polled-gap-study.ts [gapMs...]     (default 0 3 10 50)
import { loadBoard } from '../../../boards/schema';
import { SimBoard } from '../../../hal/sim/board';
import type { ContinuousAdcOptions, Device } from '../../../hal/io';
import { PolledAdc } from '../../../hal/common/polled-adc';
import { polledBoard } from '../../../hal/moddable/polled-board';
import { MeterNode } from '../../../firmware/app/meter-node';
import { isEntry } from '../../cli';

export function gapRun(gapMs: number): { gapMs: number; state: string; trips: string[]; vrms: number; irms: number } {
  const b = polledBoard(loadBoard('esp32-devkitc-meter'));
  const sim = new SimBoard({ board: b, seed: 1, mains: { irms: 10 } });
  const dev = sim.device;
  class Polled extends PolledAdc {
    constructor(o: ContinuousAdcOptions) {
      super(o, b.adc.bits, (pin) => new dev.io.Analog({ pin }), dev.timer, dev.clock);
    }
  }
  const polled: Device = { ...dev, io: { ...dev.io, ContinuousAdc: Polled } };
  const trips: string[] = [];
  const node = new MeterNode(polled, b, { onTrip: (e) => trips.push(`${e.reason}: ${e.detail}`) });
  const t0 = sim.now();
  for (let k = 1; k <= 40; k++) sim.sched.at(t0 + k * 250e3 + ((k * 7919) % 1000), () => sim.sched.busy(gapMs * 1000));
  sim.runUntil(t0 + 10.5e6);
  const a = node.averager.out;
  return { gapMs, state: node.protection.breaker.state, trips, vrms: Math.round(a.vrms * 10) / 10, irms: Math.round(a.irms * 1000) / 1000 };
}

if (isEntry(import.meta.url)) {
  const gaps = process.argv.length > 2 ? process.argv.slice(2).map(Number) : [0, 3, 10, 50];
  for (const g of gaps) console.log(JSON.stringify(gapRun(g)));
}
