// The bench's plots (`npm run bench -- --plots DIR`): what an engineer checks by eye
// before trusting a table of figures.
//  - overload.svg: the inverse-time element's measured trip times (dots, the simulated
//    node with the block cost the XS meter gives) on the IEC 60255-151 curves it must
//    follow (lines), log-log as relay curves are drawn; the standard's +-5 % band is the
//    bench's `overload_curve_err_pct_max` target.
//  - accuracy.svg: |Irms| and |P| error per load of the library (hal/sim/loads.ts), log
//    scale, against the 1 % of an IEC 62053-21 class 1 meter.
import { iecOperateS } from '../../firmware/protection/inverse-time';
import { svgPlot } from '../plot/svg';
import type { Series } from '../plot/svg';

export interface OverloadPoint {
  curve: number;
  m: number;
  expectedS: number;
  measuredS: number;
}

const CURVES = ['standard inverse', 'very inverse', 'extremely inverse'];
const COLORS = ['#1a73e8', '#c5221f', '#188038'];

export function overloadPlot(points: OverloadPoint[]): string {
  const series: Series[] = [];
  for (let c = 0; c < CURVES.length; c++) {
    const mine = points.filter((p) => p.curve === c);
    if (mine.length === 0) continue;
    const ms: number[] = [];
    for (let k = 0; k <= 60; k++) ms.push(1.2 * Math.pow(12 / 1.2, k / 60));
    series.push({ name: CURVES[c], color: COLORS[c], x: ms, y: ms.map((m) => iecOperateS(m, c, 1)) });
    series.push({ name: '', color: COLORS[c], x: mine.map((p) => p.m), y: mine.map((p) => p.measuredS), points: true });
  }
  return svgPlot('Overload element: trip time against IEC 60255-151 (TMS 1)', [
    {
      title: 'lines: IEC; dots: simulated node, step to relay open',
      xLabel: 'multiple of pickup M = I / Is',
      yLabel: 'trip time, s',
      series,
      xLog: true,
      yLog: true,
      height: 420,
    },
  ]);
}

export interface LoadRow {
  name: string;
  irms_err_pct: number;
  p_err_pct: number;
}

/** the error axis floor: an exact reading is drawn here, not lost off a log axis */
const FLOOR_PCT = 0.001;

export function accuracyPlot(rows: LoadRow[]): string {
  const x = rows.map((_, k) => k + 1);
  const names: Record<number, string> = {};
  for (const k of x) names[k] = String(k);
  const abs = (v: number) => Math.max(FLOOR_PCT, Math.abs(v));
  const legend = rows.map((r, k) => `${k + 1} ${r.name}`).join('; ');
  return svgPlot(
    'Metering error by load shape (1 s windows)',
    [
      {
        title: 'error, % (log); the line is class 1 (IEC 62053-21)',
        xLabel: 'load (numbered as below)',
        yLabel: 'error, %',
        series: [
          { name: '|Irms error|', color: '#1a73e8', x, y: rows.map((r) => abs(r.irms_err_pct)), points: true },
          { name: '|P error|', color: '#c5221f', x, y: rows.map((r) => abs(r.p_err_pct)), points: true },
          { name: 'class 1', color: '#888', x: [0.5, rows.length + 0.5], y: [1, 1] },
        ],
        xMin: 0.5,
        xMax: rows.length + 0.5,
        yMin: FLOOR_PCT,
        yMax: 10,
        xTickNames: names,
        yLog: true,
        height: 360,
      },
    ],
    chunk(legend, 150),
  );
}

function chunk(s: string, width: number): string[] {
  const out: string[] = [];
  let line = '';
  for (const part of s.split('; ')) {
    if (line !== '' && line.length + part.length + 2 > width) {
      out.push(line);
      line = '';
    }
    line = line === '' ? part : line + '; ' + part;
  }
  if (line !== '') out.push(line);
  return out;
}
