// The bench's plots (tools/bench/plots.ts) and the SVG writer's log axes (tools/plot/svg.ts).
import test from 'ava';
import { logTicks } from '../tools/plot/svg';
import { accuracyPlot, overloadPlot } from '../tools/bench/plots';
import { iecOperateS } from '../firmware/protection/inverse-time';

test('log ticks: 1, 2, 5 per decade over a short span, decades only over a long one', (t) => {
  t.deepEqual(logTicks(0.4, 60), [0.5, 1, 2, 5, 10, 20, 50]);
  t.deepEqual(logTicks(0.001, 1e4), [0.001, 0.01, 0.1, 1, 10, 100, 1000, 10000]);
  t.deepEqual(logTicks(-1, 5), [-1], 'no log ticks for a range that reaches 0');
});

const dots = (svg: string) => [...svg.matchAll(/<circle cx="([\d.]+)" cy="([\d.]+)"/g)].map((m) => ({ x: Number(m[1]), y: Number(m[2]) }));

test('overload plot: one dot per measured point, on its curve where the point is exact', (t) => {
  const points = [1.5, 2, 5, 10].map((m) => ({ curve: 1, m, expectedS: iecOperateS(m, 1, 1), measuredS: iecOperateS(m, 1, 1) }));
  const svg = overloadPlot(points);
  const d = dots(svg);
  t.is(d.length, 4);
  // log-log: equal ratios of M are equal distances
  t.true(Math.abs(d[1].x - d[0].x - (Math.log10(2 / 1.5) / Math.log10(10 / 5)) * (d[3].x - d[2].x)) < 0.05);
  // a slow trip sits higher up the page (smaller y) than a fast one
  t.true(d[0].y < d[3].y);
  t.true(svg.includes('very inverse') && !svg.includes('standard inverse'), 'only the curves measured are drawn');
  // a point off the curve is drawn off it: twice the time is log10(2) of the axis higher
  const off = dots(overloadPlot([{ ...points[0], measuredS: points[0].measuredS * 2 }]))[0];
  t.true(off.y < d[0].y - 1);
});

test('accuracy plot: |Irms| and |P| per load, an exact reading on the floor, every load named', (t) => {
  const rows = [
    { name: 'kettle', irms_err_pct: 0.02, p_err_pct: -0.1 },
    { name: 'hob & <dimmer>', irms_err_pct: 0, p_err_pct: 3 },
  ];
  const svg = accuracyPlot(rows);
  t.is(dots(svg).length, 4);
  t.true(svg.includes('1 kettle; 2 hob &amp; &lt;dimmer&gt;'), 'names escaped, numbered as on the axis');
  t.notRegex(svg, /NaN|Infinity/);
});
