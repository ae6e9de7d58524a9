// XS cost probe: the metering + protection hot path, one DMA block per step, on real
// signal codes (so per-cycle and per-half-cycle work is included at its true rate).
// tools/bench.ts loads this into xsnap and reads the compute meter.
import { MainsMeter } from '../metering/mains-meter';
import { Protection } from '../protection/protection';
import { configureMeter, defaultSettings } from '../protection/settings';

export interface BenchState {
  meter: MainsMeter;
  prot: Protection;
  blocks: number[][];
  pos: number;
  t: number;
  pairs: number;
  ts: number;
}

export function makeState(blocks: number[][], cal: number[], rateHz: number): BenchState {
  const settings = defaultSettings();
  const prot = new Protection(settings, { open: () => {}, close: () => {} });
  const meter = new MainsMeter(
    {
      rateHz: rateHz,
      bits: 12,
      blockPairs: blocks[0].length / 2,
      cal: { vGain: cal[0], iGain: cal[1], phaseShift: cal[2] },
      hystCodes: 10 / cal[0],
      minHz: 40,
      maxHz: 70,
    },
    {
      onCycle: (r) => prot.onCycle(r, meter.energy.todayWh),
      onHalfCycle: (v, t) => prot.onHalfCycle(v, t),
      onPeak: (i, t) => prot.onPeak(i, t),
    },
  );
  configureMeter(meter, settings, rateHz);
  const pairs = blocks[0].length / 2;
  return { meter: meter, prot: prot, blocks: blocks, pos: 0, t: 0, pairs: pairs, ts: 1e6 / rateHz };
}

export function step(st: BenchState): void {
  st.meter.processBlock(st.blocks[st.pos], st.pairs, st.t);
  st.t += st.pairs * st.ts;
  st.prot.onBlockEnd(st.t);
  st.pos++;
  if (st.pos === st.blocks.length) st.pos = 0;
}
