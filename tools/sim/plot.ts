// `npm run sim -- --scenario <name> --plot out.svg`: the waveform around the fault (the
// instantaneous voltage and CT current, the fault, the trip and the relay commands on it)
// and the scenario's trip timeline (RMS readings and the relay state over the whole run).
//
// The scenario runs twice: once to find the fault and the trip, then again with the
// waveform recorded over a window around them. The simulator is deterministic, so the
// second run is the first one; plotScenario checks that its trips are the same.
import type { BoardDescription } from '../../boards/board';
import { svgPlot, type Marker, type Panel } from '../plot/svg';
import { runScenario, type RunResult, type Waveform } from './run';
import type { Scenario } from './scenarios';

/** the waveform's sample rate: 200 points per 50 Hz cycle */
export const PLOT_RATE_HZ = 10000;

/** The window to record, in timeline seconds, and the instant x = 0 of the waveform (s). */
export function waveformWindow(r: RunResult): { fromS: number; toS: number; zeroS: number; zeroIs: string } {
  const fault = r.events.find((e) => e.kind === 'fault');
  const trip = r.events.find((e) => e.kind === 'trip' && (fault === undefined || e.t >= fault.t)) ?? r.events.find((e) => e.kind === 'trip');
  const clamp = (s: number) => Math.min(r.seconds, Math.max(0, s));
  if (trip !== undefined && (fault === undefined || trip.t - fault.t > 0.5)) {
    // a slow fault (overload, gas): the cycles before and after the trip
    return { fromS: clamp(trip.t - 0.1), toS: clamp(trip.t + 0.06), zeroS: trip.t, zeroIs: 'the trip' };
  }
  if (fault !== undefined) {
    const after = trip === undefined ? 0.14 : Math.max(0.06, trip.t - fault.t + 0.06);
    return { fromS: clamp(fault.t - 0.06), toS: clamp(fault.t + after), zeroS: fault.t, zeroIs: 'the fault onset' };
  }
  return { fromS: 0, toS: clamp(0.2), zeroS: 0, zeroIs: 'the first close' };
}

function markersIn(r: RunResult, fromS: number, toS: number, zeroS: number, scale: number): Marker[] {
  const out: Marker[] = [];
  for (const e of r.events) {
    if (e.t < fromS || e.t > toS) continue;
    const x = (e.t - zeroS) * scale;
    if (e.kind === 'fault') out.push({ x, label: `fault: ${e.what}`, color: '#c62828', dashed: true });
    else if (e.kind === 'trip') out.push({ x, label: `TRIP ${e.reason}${e.afterFaultMs === null ? '' : ` (${e.afterFaultMs} ms)`}`, color: '#000000' });
    else if (e.kind === 'relay') out.push({ x, label: `relay ${e.closed ? 'close' : 'open'} command`, color: '#1565c0' });
  }
  return out;
}

/** The SVG for a run and its waveform. */
export function plotSvg(r: RunResult, wf: Waveform, win: { fromS: number; toS: number; zeroS: number; zeroIs: string }): string {
  const ms = (s: number) => (s - win.zeroS) * 1000;
  const xLabel = `ms from ${win.zeroIs} (timeline ${win.zeroS.toFixed(4)} s)`;
  const wm = markersIn(r, win.fromS, win.toS, win.zeroS, 1000);
  const readings = r.events.filter((e) => e.kind === 'reading') as Extract<RunResult['events'][number], { kind: 'reading' }>[];
  const relay = r.events.filter((e) => e.kind === 'relay') as Extract<RunResult['events'][number], { kind: 'relay' }>[];
  const rx: number[] = [];
  const ry: number[] = [];
  for (const e of relay) {
    rx.push(e.t);
    ry.push(e.closed ? 1 : 0);
  }
  rx.push(r.seconds);
  ry.push(ry.length === 0 ? 0 : ry[ry.length - 1]);
  const tm = markersIn(r, 0, r.seconds, 0, 1).filter((m) => !m.label.startsWith('relay'));
  const panels: Panel[] = [
    { title: 'Mains voltage at the V sensor', xLabel, yLabel: 'V', series: [{ name: 'v(t)', color: '#6a1b9a', x: wf.t.map(ms), y: wf.v }], markers: wm },
    {
      title: 'Current through the CT (0 once the relay contacts open)',
      xLabel,
      yLabel: 'A',
      series: [{ name: 'i(t)', color: '#ef6c00', x: wf.t.map(ms), y: wf.i }],
      markers: wm,
    },
    {
      title: `Trip timeline: RMS readings (${r.scenario}, every reading printed)`,
      xLabel: "timeline s (t = 0: the breaker's first close)",
      yLabel: 'A / V÷10',
      xMin: 0,
      xMax: r.seconds,
      series: [
        { name: 'Irms A', color: '#ef6c00', x: readings.map((e) => e.t), y: readings.map((e) => e.irms) },
        { name: 'Vrms/10 V', color: '#6a1b9a', x: readings.map((e) => e.t), y: readings.map((e) => e.vrms / 10) },
      ],
      markers: tm,
    },
    {
      title: 'Main relay (commands)',
      xLabel: 'timeline s',
      yLabel: 'relay',
      height: 150,
      xMin: 0,
      xMax: r.seconds,
      yMin: -0.2,
      yMax: 1.2,
      yTickNames: { 0: 'open', 1: 'closed' },
      series: [{ name: 'relay', color: '#1565c0', x: rx, y: ry, step: true }],
      markers: tm,
    },
  ];
  return svgPlot(`${r.scenario} on ${r.board}: final state ${r.finalState}`, panels);
}

/** Runs the scenario (twice, see above) and returns its result and the SVG. */
export function plotScenario(sc: Scenario, board: BoardDescription, seed = 1): { result: RunResult; wallMs: number; svg: string } {
  const first = runScenario(sc, board, seed);
  const win = waveformWindow(first.result);
  const second = runScenario(sc, board, seed, { waveform: { fromS: win.fromS, toS: win.toS, rateHz: PLOT_RATE_HZ } });
  if (JSON.stringify(second.result) !== JSON.stringify(first.result)) {
    throw new Error(`sim --plot: the recording run of ${sc.name} differs from the first run; the waveform would not match the timeline`);
  }
  return { result: first.result, wallMs: first.wallMs, svg: plotSvg(first.result, second.waveform as Waveform, win) };
}
