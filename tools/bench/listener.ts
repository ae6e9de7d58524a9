// security.trip_with_throwing_listener_ms: trip latencies (simulated time, fault onset to the
// first relay-open command) on a node whose onCycle listener throws on every cycle (issue
// 12, item 6). Before the fix such a listener left the cycle sums open and stopped every
// software trip; now the meter and the node core catch and count it.
import { bootNode, firstOpenAfter, round } from './common';
import type { SimBoard } from '../../hal/sim/board';

export interface ThrowingListenerFigures {
  overcurrent: number;
  swell: number;
  sag: number;
  /** listener errors the node counted during the runs */
  errors_counted: number;
}

function once(settings: Record<string, number>, inject: (sim: SimBoard, t: number) => void): { ms: number; errors: number } {
  const { sim, node } = bootNode(
    { seed: 77, settings },
    {
      onCycle: () => {
        throw new Error('listener bug');
      },
    },
  );
  const onset = sim.now() + 7300;
  inject(sim, onset);
  sim.runUntil(onset + 200e3);
  const open = firstOpenAfter(sim, onset);
  return { ms: open === undefined ? -1 : round((open - onset) / 1000, 3), errors: node.core.listenerErrors() };
}

export function throwingListenerTrips(): ThrowingListenerFigures {
  const oc = once({}, (sim, t) => sim.mains.setLoad({ atUs: t, irms: 40 }));
  const sw = once({ ovPickupMs: 0 }, (sim, t) => sim.mains.swell({ atUs: t, factor: 280 / 230 }));
  const sg = once({ uvPickupMs: 0 }, (sim, t) => sim.mains.sag({ atUs: t, depth: 150 / 230 }));
  return { overcurrent: oc.ms, swell: sw.ms, sag: sg.ms, errors_counted: oc.errors + sw.errors + sg.errors };
}
