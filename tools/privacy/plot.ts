// SVG of a load-hiding run, written by hand (no plotting dependency): real vs visible load
// on top, battery SoC below, one colour per algorithm, time on a shared axis.
import type { PlotPoint } from './evaluate';

const W = 1100;
const TOP_H = 360;
const SOC_H = 160;
const PAD_L = 60;
const PAD_R = 170;
const PAD_T = 30;
const GAP = 40;
const COLORS = ['#d62728', '#1f77b4', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b'];

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export function plotSvg(points: PlotPoint[], names: string[], title: string): string {
  const H = PAD_T + TOP_H + GAP + SOC_H + 40;
  const plotW = W - PAD_L - PAD_R;
  const t0 = points.length > 0 ? points[0].t : 0;
  const t1 = points.length > 1 ? points[points.length - 1].t : t0 + 1;
  let wMax = 1;
  for (const p of points) {
    if (p.real > wMax) wMax = p.real;
    for (const v of p.visible) if (v > wMax) wMax = v;
  }
  wMax = Math.ceil(wMax / 500) * 500;
  const x = (t: number) => (PAD_L + ((t - t0) / (t1 - t0)) * plotW).toFixed(1);
  const yW = (w: number) => (PAD_T + TOP_H - (w / wMax) * TOP_H).toFixed(1);
  const socTop = PAD_T + TOP_H + GAP;
  const yS = (s: number) => (socTop + SOC_H - s * SOC_H).toFixed(1);
  const line = (pts: string, color: string, width: number, dash = '') =>
    `<polyline fill="none" stroke="${color}" stroke-width="${width}"${dash ? ` stroke-dasharray="${dash}"` : ''} points="${pts}"/>`;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  out.push(`<text x="${PAD_L}" y="18" font-size="14">${esc(title)}</text>`);
  // axes and grid
  for (let k = 0; k <= 4; k++) {
    const w = (wMax * k) / 4;
    out.push(`<line x1="${PAD_L}" x2="${PAD_L + plotW}" y1="${yW(w)}" y2="${yW(w)}" stroke="#ddd"/>`);
    out.push(`<text x="${PAD_L - 6}" y="${yW(w)}" text-anchor="end" dy="4">${Math.round(w)} W</text>`);
    const s = k / 4;
    out.push(`<line x1="${PAD_L}" x2="${PAD_L + plotW}" y1="${yS(s)}" y2="${yS(s)}" stroke="#ddd"/>`);
    out.push(`<text x="${PAD_L - 6}" y="${yS(s)}" text-anchor="end" dy="4">${Math.round(s * 100)} %</text>`);
  }
  const hours = (t1 - t0) / 3600;
  const tickH = hours <= 30 ? 3 : hours <= 24 * 8 ? 24 : 24 * 7;
  for (let h = 0; h <= hours; h += tickH) {
    const xx = x(t0 + h * 3600);
    out.push(`<line x1="${xx}" x2="${xx}" y1="${PAD_T}" y2="${socTop + SOC_H}" stroke="#eee"/>`);
    out.push(`<text x="${xx}" y="${socTop + SOC_H + 16}" text-anchor="middle">${h} h</text>`);
  }
  out.push(`<text x="${PAD_L}" y="${socTop - 8}">battery state of charge</text>`);
  // real load, then each algorithm's visible load and SoC
  out.push(line(points.map((p) => `${x(p.t)},${yW(p.real)}`).join(' '), '#888', 1.2));
  let legendY = PAD_T + 10;
  out.push(`<rect x="${W - PAD_R + 15}" y="${legendY - 8}" width="14" height="4" fill="#888"/><text x="${W - PAD_R + 35}" y="${legendY - 2}">real load</text>`);
  names.forEach((n, i) => {
    const c = COLORS[i % COLORS.length];
    if (n === 'none') return;
    out.push(line(points.map((p) => `${x(p.t)},${yW(p.visible[i])}`).join(' '), c, 1.2));
    out.push(
      line(
        points
          .filter((p) => Number.isFinite(p.soc[i]))
          .map((p) => `${x(p.t)},${yS(p.soc[i])}`)
          .join(' '),
        c,
        1.2,
      ),
    );
    legendY += 18;
    out.push(
      `<rect x="${W - PAD_R + 15}" y="${legendY - 8}" width="14" height="4" fill="${c}"/><text x="${W - PAD_R + 35}" y="${legendY - 2}">${esc(n)} (visible)</text>`,
    );
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}
