// A small dependency-free SVG line-chart writer for the host tools (`npm run sim -- --plot`).
//
// Why not a package: the plots are a few time series with event markers, stacked panels
// each with its own x axis. The well-kept candidates either need a DOM in Node
// (@observablehq/plot 0.6.17 wants a `document`: jsdom or linkedom on top) or bring a
// whole grammar (vega 6.4.0 + vega-lite 6.5.0, ~40 packages); uPlot (already a dependency)
// draws on a browser canvas. d3-scale 4.0.3 + d3-shape 3.2.1 would give the ticks and the
// path strings but not the axes or the text, which are most of this file. If the plots
// grow (legends that wrap, many charts, time axes), d3-scale@4.0.3 is the one to add;
// log axes and dots are here for the bench's overload curves (tools/bench/plots.ts).
//
// Output is deterministic (fixed number formatting), so a test can compare it.

export interface Series {
  name: string;
  color: string;
  x: number[];
  y: number[];
  /** draw as a step (value holds until the next point), e.g. a breaker state */
  step?: boolean;
  /** draw each point as a dot, without a line (measured points against a curve) */
  points?: boolean;
}

export interface Marker {
  x: number;
  label: string;
  color: string;
  /** dashed line (an injected fault) or solid (a trip, a relay move) */
  dashed?: boolean;
}

export interface Panel {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  markers?: Marker[];
  /** fixed x range; default: the data's and the markers' */
  xMin?: number;
  xMax?: number;
  /** fixed y range; default: the data's, padded */
  yMin?: number;
  yMax?: number;
  /** y tick labels by value (e.g. 0 -> 'open', 1 -> 'closed'); default: numbers */
  yTickNames?: Record<number, string>;
  /** x tick labels by value (categories drawn at 0, 1, 2, ...); default: numbers */
  xTickNames?: Record<number, string>;
  /** logarithmic axes (values <= 0 are not drawn), ticks at 1, 2, 5 x 10^n */
  xLog?: boolean;
  yLog?: boolean;
  height?: number;
}

const W = 900;
const LEFT = 70;
const RIGHT = 20;
const TOP = 30;
const BOTTOM = 42;

export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** "Nice" tick values (1, 2, 5 x 10^n steps) covering [lo, hi], about `count` of them. */
export function niceTicks(lo: number, hi: number, count = 6): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return out;
}

/** 1, 2, 5 x 10^n ticks covering [lo, hi] (both > 0); only the decades when they are many */
export function logTicks(lo: number, hi: number): number[] {
  if (!(lo > 0 && hi > lo)) return [lo];
  const out: number[] = [];
  const d0 = Math.floor(Math.log10(lo));
  const d1 = Math.ceil(Math.log10(hi));
  const steps = d1 - d0 > 4 ? [1] : [1, 2, 5];
  for (let d = d0; d <= d1; d++)
    for (const m of steps) {
      const v = Number((m * Math.pow(10, d)).toPrecision(6));
      if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) out.push(v);
    }
  return out;
}

function num(v: number): string {
  return (Math.round(v * 100) / 100).toString();
}

function tickText(v: number): string {
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e5 || a < 1e-3)) return v.toExponential(1);
  return String(Math.round(v * 1e6) / 1e6);
}

function extent(values: number[]): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (lo === Infinity) return [0, 1];
  if (lo === hi) return [lo - 1, hi + 1];
  return [lo, hi];
}

function panelSvg(p: Panel, y0: number): string {
  const h = p.height ?? 220;
  const plotW = W - LEFT - RIGHT;
  const plotH = h - TOP - BOTTOM;
  const positive = (v: number[], log: boolean | undefined) => (log === true ? v.filter((x) => x > 0) : v);
  const [dx0, dx1] = extent(positive(p.series.flatMap((s) => s.x).concat((p.markers ?? []).map((m) => m.x)), p.xLog));
  const x0 = p.xMin ?? dx0;
  const x1 = p.xMax ?? dx1;
  const [dy0, dy1] = extent(
    positive(
      p.series.flatMap((s) => s.y),
      p.yLog,
    ),
  );
  // pad by 8 % of the span, on a log axis by 8 % of the decades
  const ylo = p.yMin ?? (p.yLog === true ? dy0 / Math.pow(dy1 / dy0, 0.08) : dy0 - (dy1 - dy0) * 0.08);
  const yhi = p.yMax ?? (p.yLog === true ? dy1 * Math.pow(dy1 / dy0, 0.08) : dy1 + (dy1 - dy0) * 0.08);
  const fx = p.xLog === true ? Math.log10 : (v: number) => v;
  const fy = p.yLog === true ? Math.log10 : (v: number) => v;
  const sx = (x: number) => LEFT + ((fx(x) - fx(x0)) / (fx(x1) - fx(x0))) * plotW;
  const sy = (y: number) => y0 + TOP + plotH - ((fy(y) - fy(ylo)) / (fy(yhi) - fy(ylo))) * plotH;
  const out: string[] = [];
  out.push(`<text x="${LEFT}" y="${num(y0 + 18)}" class="title">${escapeXml(p.title)}</text>`);
  out.push(`<rect x="${LEFT}" y="${num(y0 + TOP)}" width="${plotW}" height="${plotH}" class="frame"/>`);
  const yTicks = p.yTickNames !== undefined ? Object.keys(p.yTickNames).map(Number) : p.yLog === true ? logTicks(ylo, yhi) : niceTicks(ylo, yhi, 5);
  for (const v of yTicks) {
    if (v < ylo || v > yhi) continue;
    const y = num(sy(v));
    out.push(`<line x1="${LEFT}" x2="${LEFT + plotW}" y1="${y}" y2="${y}" class="grid"/>`);
    const name = p.yTickNames?.[v] ?? tickText(v);
    out.push(`<text x="${LEFT - 6}" y="${y}" class="ytick">${escapeXml(name)}</text>`);
  }
  const xTicks = p.xTickNames !== undefined ? Object.keys(p.xTickNames).map(Number) : p.xLog === true ? logTicks(x0, x1) : niceTicks(x0, x1, 8);
  for (const v of xTicks) {
    if (v < x0 || v > x1) continue;
    const x = num(sx(v));
    out.push(`<line x1="${x}" x2="${x}" y1="${num(y0 + TOP)}" y2="${num(y0 + TOP + plotH)}" class="grid"/>`);
    out.push(`<text x="${x}" y="${num(y0 + TOP + plotH + 15)}" class="xtick">${escapeXml(p.xTickNames?.[v] ?? tickText(v))}</text>`);
  }
  out.push(`<text x="${LEFT + plotW / 2}" y="${num(y0 + h - 6)}" class="xlabel">${escapeXml(p.xLabel)}</text>`);
  out.push(`<text transform="translate(14 ${num(y0 + TOP + plotH / 2)}) rotate(-90)" class="ylabel">${escapeXml(p.yLabel)}</text>`);
  out.push(`<clipPath id="c${num(y0)}"><rect x="${LEFT}" y="${num(y0 + TOP)}" width="${plotW}" height="${plotH}"/></clipPath>`);
  const drawable = (x: number, y: number) => Number.isFinite(y) && (p.xLog !== true || x > 0) && (p.yLog !== true || y > 0);
  for (const s of p.series) {
    if (s.points === true) {
      const dots: string[] = [];
      for (let k = 0; k < s.x.length; k++)
        if (drawable(s.x[k], s.y[k])) dots.push(`<circle cx="${num(sx(s.x[k]))}" cy="${num(sy(s.y[k]))}" r="3.2" fill="${s.color}"/>`);
      out.push(`<g class="points" clip-path="url(#c${num(y0)})"><title>${escapeXml(s.name)}</title>${dots.join('')}</g>`);
      continue;
    }
    const pts: string[] = [];
    let prevY: number | undefined;
    for (let k = 0; k < s.x.length; k++) {
      if (!drawable(s.x[k], s.y[k])) {
        prevY = undefined;
        continue;
      }
      const cmd = pts.length === 0 || prevY === undefined ? 'M' : 'L';
      if (s.step === true && prevY !== undefined) pts.push(`L${num(sx(s.x[k]))},${num(sy(prevY))}`);
      pts.push(`${cmd}${num(sx(s.x[k]))},${num(sy(s.y[k]))}`);
      prevY = s.y[k];
    }
    out.push(`<path d="${pts.join('')}" stroke="${s.color}" class="series" clip-path="url(#c${num(y0)})"><title>${escapeXml(s.name)}</title></path>`);
  }
  // legend, top right
  let lx = LEFT + plotW;
  for (let k = p.series.length - 1; k >= 0; k--) {
    const s = p.series[k];
    if (s.name === '') continue; // unnamed: a series the legend already names (dots of a curve)
    lx -= 14 + s.name.length * 6.5;
    out.push(
      `<rect x="${num(lx)}" y="${num(y0 + 10)}" width="10" height="3" fill="${s.color}"/><text x="${num(lx + 13)}" y="${num(y0 + 14)}" class="legend">${escapeXml(s.name)}</text>`,
    );
  }
  let row = 0;
  for (const m of p.markers ?? []) {
    const x = num(sx(m.x));
    out.push(
      `<line x1="${x}" x2="${x}" y1="${num(y0 + TOP)}" y2="${num(y0 + TOP + plotH)}" stroke="${m.color}" class="${m.dashed === true ? 'marker dashed' : 'marker'}"/>`,
    );
    // labels right of the line, or left of it in the last third of the plot
    const left = Number(x) > LEFT + (plotW * 2) / 3;
    out.push(
      `<text x="${num(Number(x) + (left ? -3 : 3))}" y="${num(y0 + TOP + 12 + 12 * (row++ % 3))}" fill="${m.color}" class="mlabel"${left ? ' text-anchor="end"' : ''}>${escapeXml(m.label)}</text>`,
    );
  }
  return out.join('\n');
}

/** Panels stacked top to bottom, each with its own axes, as one SVG document; `notes` are lines of text under them. */
export function svgPlot(title: string, panels: Panel[], notes: string[] = []): string {
  const heights = panels.map((p) => p.height ?? 220);
  const total = 34 + heights.reduce((a, b) => a + b, 0) + (notes.length > 0 ? 14 * notes.length + 8 : 0);
  const body: string[] = [];
  let y = 34;
  for (let k = 0; k < panels.length; k++) {
    body.push(panelSvg(panels[k], y));
    y += heights[k];
  }
  for (const line of notes) {
    body.push(`<text x="${LEFT}" y="${num(y + 12)}" class="note">${escapeXml(line)}</text>`);
    y += 14;
  }
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${total}" viewBox="0 0 ${W} ${total}" font-family="sans-serif" font-size="11">`,
    '<style>.title{font-size:13px;font-weight:bold}.frame{fill:none;stroke:#888}.grid{stroke:#e4e4e4}.ytick{text-anchor:end;dominant-baseline:middle}.xtick,.xlabel,.ylabel{text-anchor:middle}.series{fill:none;stroke-width:1.3}.marker{stroke-width:1.2}.dashed{stroke-dasharray:4 3}.mlabel{font-size:10px}.note{font-size:10px}</style>',
    '<rect width="100%" height="100%" fill="white"/>',
    `<text x="${LEFT}" y="20" font-size="15" font-weight="bold">${escapeXml(title)}</text>`,
    ...body,
    '</svg>',
    '',
  ].join('\n');
}
