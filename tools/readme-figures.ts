// The README's figure table, generated from the bench output so that it cannot drift:
//   npm run bench -- --json > bench.json && npx tsx tools/readme-figures.ts bench.json
// rewrites the block between the `figures:begin` and `figures:end` markers in README.md.
// Each row below names its figures by their key in the bench's JSON ({accuracy.points});
// the block's begin marker lists every key it was made from, and host-tests/
// readme-figures.test.ts checks those keys against the type of the object the bench prints
// (tools/bench.ts `result`, read with the TypeScript checker), so a renamed or dropped
// figure fails a test instead of leaving a stale number in the README.
//
// Placeholders: {a.b.c} a value; {a.list[=name].x} the element whose name is `name`;
// {a.list[!text].x|max} the largest |x| over the elements whose name lacks `text`;
// formats after `|`: kB (÷1000, whole), k and M (÷1e3 / ÷1e6, one decimal), int (rounded),
// pct1 (one decimal). A figure the bench skipped (a string such as "skipped: ...") or left
// out shows as its reason or '-'.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { isEntry, parseCli } from './cli';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const BEGIN = '<!-- figures:begin';
export const END = '<!-- figures:end -->';

export interface FigureRow {
  figure: string;
  value: string;
  target: string;
}

export const FIGURE_ROWS: FigureRow[] = [
  {
    figure:
      'Vrms / Irms / P error, 1 s averages, worst over {accuracy.points} points (45–65 Hz, PF 0.5 lag–lead, current THD 0–20 %, 2–16 A, 12-bit, noise, offset errors)',
    value: '{accuracy.vrms_err_pct_max} % / {accuracy.sine_irms_err_pct_max} % / {accuracy.sine_p_err_pct_max} % of P',
    target: '0.5 / 0.5 / 1 %',
  },
  {
    figure:
      'Irms / P error on the load library (burst-fire, induction hob, half-wave on CT and shunt, switch-mode crest 3.5–4, motor inrush, flat-topped mains), 1 s averages',
    value: '≤ {accuracy.loads[!phase-cut].irms_err_pct|max} % / ≤ {accuracy.loads[!phase-cut].p_err_pct|max} %',
    target: '0.5 / 1 %',
  },
  {
    figure: 'the same, phase-cut dimmer 135° (an ideal step, sampled in lock with an exact 50 Hz); at 49.95 Hz; with the ADC at 3997 Hz',
    value:
      '{accuracy.loads[=phase-cut dimmer 135 deg].irms_err_pct} / {accuracy.loads[=phase-cut dimmer 135 deg].p_err_pct} %; {accuracy.loads[=phase-cut dimmer 135 deg at 49.95 Hz].irms_err_pct} / {accuracy.loads[=phase-cut dimmer 135 deg at 49.95 Hz].p_err_pct} %; {accuracy.loads[=phase-cut dimmer 135 deg, ADC at 3997 Hz].irms_err_pct} / {accuracy.loads[=phase-cut dimmer 135 deg, ADC at 3997 Hz].p_err_pct} %',
    target: '0.5 / 1 %',
  },
  {
    figure: 'real appliance recordings (HFHAD-C, needs `HFHAD_C_DIR`): within 1 % on Irms and P; worst Irms error',
    value: '{accuracy.real.within_1pct}/{accuracy.real.recordings}; {accuracy.real.irms_err_pct_max} %',
    target: '',
  },
  {
    figure: 'start-up: wrong cycles of the first 10 after boot and after the close ({accuracy.startup_cycles_judged} judged)',
    value: '{accuracy.startup_cycles_wrong}',
    target: '0',
  },
  {
    figure: 'trips with an onCycle listener that throws every cycle (OC / swell / sag)',
    value:
      '{security.trip_with_throwing_listener_ms.overcurrent} / {security.trip_with_throwing_listener_ms.swell} / {security.trip_with_throwing_listener_ms.sag} ms',
    target: 'trips',
  },
  { figure: 'comparator trip, 300 A short, from fault onset (latch path)', value: '{trip_ms.comparator} ms', target: '≤ 0.5 ms' },
  {
    figure: 'the same during a 3 s JS task (latch / native ISR / JS callback)',
    value: '{trip_ms.comparator_during_long_task} / {trip_ms.comparator_native_isr_during_long_task} / {trip_ms.comparator_js_path_during_long_task} ms',
    target: '≤ 0.5 ms',
  },
  {
    figure: 'instantaneous over-current, from the qualified over-pickup current; from the load step',
    value: '{trip_ms.instantaneous_oc} ms; {trip_ms.instantaneous_oc_from_step} ms',
    target: '≤ 5 ms',
  },
  {
    figure: 'over/under-voltage with pickup 0, deep; just past the threshold (268 V / 180 V)',
    value: '{trip_ms.overvoltage} / {trip_ms.undervoltage}; {trip_ms.overvoltage_near_threshold} / {trip_ms.undervoltage_near_threshold} ms',
    target: '≤ one cycle (20 ms)',
  },
  { figure: 'overload curve error, SI/VI/EI × M 1.5–10', value: '{overload_curve_err_pct_max} %', target: '≤ 5 %' },
  { figure: 'XS cost per V+I sample pair, metering + protection', value: '{xs.computrons_per_sample} computrons', target: '≤ 300' },
  {
    figure: "XS heap of the core's state; growth per block (16-byte slots)",
    value: '{xs.heap_bytes|k} kB; {xs.heap_growth_slots_per_block}',
    target: 'no per-sample allocation',
  },
  { figure: 'link overhead on nRF24 (8-byte tag); frames per reading', value: '{link.overhead_bytes} B; {link.frames_per_reading}', target: '≤ 14 B; 1' },
  {
    figure: 'XS seal / open of a telemetry frame; Ed25519 verify (tweetnacl; noble-curves on Moddable)',
    value: '{xs.computrons_seal|k} k / {xs.computrons_open|k} k; {xs.computrons_verify_sig.espruino|M} M; {xs.computrons_verify_sig.moddable|M} M computrons',
    target: 'seal + open ≤ 30 k',
  },
  {
    figure:
      'forged-frame refusal under a 3,300 frame/s flood (anomaly detector; whole `ratelimit` path); stale signed captures accepted; power-cut points of the latch write that reclose',
    value:
      '{xs.computrons_anomaly_per_reject}; {xs.computrons_ratelimit_reject_path} computrons; {security.stale_commands_accepted} of {security.stale_commands_tried}; {security.latch_cut_points_reclosed} of {security.latch_cut_points}',
    target: 'constant; 0; 0',
  },
  {
    figure:
      'the control unit under a 3,300 frame/s forgery flood, XS computrons per second and share of an ESP32: flood guard on (300 frames/s read, tag budget armed) / budgets off',
    value:
      '{security.cu_flood_computrons_per_s.guarded} ({security.cu_flood_cpu_pct_esp32_est.guarded} %) / {security.cu_flood_computrons_per_s.unguarded} ({security.cu_flood_cpu_pct_esp32_est.unguarded} %)',
    target: '≤ 25 % of an ESP32',
  },
  {
    figure: 'attack frames rejected; legit delivery under a 500 frame/s forgery flood',
    value: '{link.attack_frames_rejected_pct} %; {link.legit_delivery_pct_under_flood} %',
    target: '100 %',
  },
  {
    figure: 'simulator speed, one node; 100 homes through stateless gateways (wall-clock ratios of this run)',
    value: '{sim.realtime_factor|int}× real time; {sim.homes_realtime_factor}×',
    target: '≥ 100×; ≥ 10×',
  },
  {
    figure: 'gateway readings/s, embedded aedes / Mosquitto; publish p99; history rows/s; dashboard bytes; HA entities per node',
    value:
      '{gateway.msgs_per_s.embedded} / {gateway.msgs_per_s.mosquitto}; {gateway.publish_p99_ms.embedded} / {gateway.publish_p99_ms.mosquitto} ms; {history.rows_per_s}; {dashboard.bytes|kB} kB; {ha.discovery_entities}',
    target: '≥ 10 k; ; ; < 300 kB',
  },
  { figure: 'artifacts: Moddable / Espruino / Lua', value: '{build.moddable.bytes|kB} / {build.espruino.bytes|kB} / {build.lua.bytes|kB} kB', target: '' },
  {
    figure:
      'the radio link in the builds: targets whose BUILT meter node delivered sealed frames in the engine proofs (the last one: built node to built control unit, both XS); Espruino app.js growth with the link',
    value: '{link.built_targets}; +{link.built_espruino_app_bytes_delta|kB} kB',
    target: 'moddable, espruino',
  },
  {
    figure: 'control unit: Moddable app; XS boot of the built app (start-up + 0.5 s); Espruino variables in the real interpreter (ESP32 format)',
    value: '{build.control_unit.bytes|kB} kB; {xs.computrons_cu_boot|k} k computrons; {espruino_cu.vars_used} of {espruino_cu.vars_total}',
    target: '',
  },
  {
    figure: 'load hiding, synthetic day: MI bits (exposed events/day) none / best-effort / NILL / stepping / ours',
    value:
      '{privacy.mi_bits.none} ({privacy.events_per_day.none}) / {privacy.mi_bits.best_effort} ({privacy.events_per_day.best_effort}) / {privacy.mi_bits.nill} ({privacy.events_per_day.nill}) / {privacy.mi_bits.stepping} ({privacy.events_per_day.stepping}) / {privacy.mi_bits.ours} ({privacy.events_per_day.ours}); ours loses {privacy.overhead_pct} %',
    target: 'ours lowest; overhead ≤ 6 %',
  },
  {
    figure: 'load hiding: the certified floor (no algorithm with this battery leaks less, tools/privacy/bound.ts); seeded days where ours leaks least of all',
    value: '{privacy.floor_bits} bits; {privacy.seeds_ours_lowest_of_20} of 20',
    target: '≥ 19 of 20',
  },
  {
    figure:
      'control unit access: finger-on to decision at 57600 baud (worst poll phase); RFC 4226/6238 vectors; XS one TOTP check / one R30x packet; access-log power-cut points, records lost',
    value:
      '{access.fp_identify_ms} ms; {access.otp_vectors_passed} / {access.otp_vectors_total}; {xs.computrons_totp|k} k / {xs.computrons_fp_packet|k} k computrons; {access.log_power_cut_points}, {access.log_records_lost}',
    target: '0 lost',
  },
  {
    figure:
      'XS cost of one load-hiding step (ours); scheduler saving vs running at once; share of {sched.small_cases} small cases solved optimally (vs exhaustive)',
    value: '{xs.computrons_privacy_step} computrons; {sched.saving_pct_vs_immediate} %; {sched.optimal_on_small_cases}',
    target: '',
  },
  {
    figure: "exact day plan on the control unit, XS (15-min slots / the board's 30-min slots); its table; one slice (100 cells per 1 s tick) x slices",
    value:
      '{sched.xs_computrons_plan_day|M} M / {sched.xs_computrons_plan_day_30min|M} M computrons; {sched.table_bytes_15min|kB} kB / {sched.table_bytes_30min|kB} kB; ≤ {sched.xs_computrons_plan_slice_max|k} k computrons × {sched.plan_slices_30min}',
    target: '≤ 64 kB table',
  },
  {
    figure: 'Espruino in the real interpreter: variables used (ESP32 format), of',
    value: '{espruino.vars_used} ({espruino.vars_bytes|kB} kB) of {espruino.vars_total}',
    target: '',
  },
  {
    figure: "Espruino: V+I pairs/s at 100 % CPU, 240 MHz (160 MHz); CPU at the board's rate ({espruino.board_rate_hz} Hz)",
    value: '{espruino.pairs_per_s_max} ({espruino.pairs_per_s_max_160mhz}); {espruino.cpu_pct_at_board_rate} %',
    target: '≥ board rate within 75 %',
  },
];

const PLACEHOLDER = /\{([^{}|]+)(?:\|([A-Za-z0-9]+))?\}/g;

/** Every bench key the rows use, as written (element selectors included). */
export function rowKeys(rows: FigureRow[] = FIGURE_ROWS): string[] {
  const keys = new Set<string>();
  for (const r of rows) for (const text of [r.figure, r.value, r.target]) for (const m of text.matchAll(PLACEHOLDER)) keys.add(m[1]);
  return [...keys].sort();
}

/** A key with its element selectors dropped: accuracy.loads[=x].p_err_pct -> accuracy.loads[].p_err_pct */
export function keyShape(key: string): string {
  return key.replace(/\[[^\]]*\]/g, '[]');
}

type Json = unknown;

function select(list: Json[], sel: string): Json[] {
  const name = (x: Json) => (typeof x === 'object' && x !== null ? String((x as Record<string, unknown>).name) : '');
  if (sel.startsWith('=')) return list.filter((x) => name(x) === sel.slice(1));
  if (sel.startsWith('!')) return list.filter((x) => !name(x).includes(sel.slice(1)));
  return list.filter((x) => name(x).includes(sel.slice(1)));
}

/** The values at a key (one, or several after a list selector); a string met on the way is a skip reason. */
export function resolve(json: Json, key: string): { values: Json[]; skipped?: string } {
  let cur: Json[] = [json];
  for (const part of key.match(/[^.[\]]+|\[[^\]]*\]/g) ?? []) {
    const next: Json[] = [];
    for (const c of cur) {
      if (typeof c === 'string') return { values: [], skipped: c };
      if (part.startsWith('[')) {
        if (Array.isArray(c)) next.push(...select(c, part.slice(1, -1)));
      } else if (typeof c === 'object' && c !== null && part in c) next.push((c as Record<string, Json>)[part]);
    }
    cur = next;
  }
  return { values: cur };
}

function format(v: Json, fmt: string | undefined): string {
  if (Array.isArray(v)) return v.length === 0 ? 'none' : v.map((x) => String(x)).join(', ');
  if (typeof v !== 'number') return v === undefined || v === null ? '-' : String(v);
  if (fmt === 'kB') return String(Math.round(v / 1000));
  if (fmt === 'k') return (v / 1000).toFixed(1);
  if (fmt === 'M') return (v / 1e6).toFixed(1);
  if (fmt === 'int') return String(Math.round(v));
  if (fmt === 'pct1') return v.toFixed(1);
  return String(v);
}

/** One cell: placeholders filled; a skipped figure gives its reason for the whole cell. */
export function fill(text: string, json: Json): string {
  let skipped: string | undefined;
  const out = text.replace(PLACEHOLDER, (_, key: string, fmt: string | undefined) => {
    const r = resolve(json, key);
    if (r.skipped !== undefined) skipped ??= r.skipped;
    if (fmt === 'max') {
      const nums = r.values.filter((x): x is number => typeof x === 'number').map(Math.abs);
      return nums.length === 0 ? '-' : String(Math.max(...nums));
    }
    return r.values.length === 1 ? format(r.values[0], fmt) : '-';
  });
  return skipped ?? out;
}

/** The generated block, markers included. */
export function renderBlock(json: Json, rows: FigureRow[] = FIGURE_ROWS): string {
  const cell = (s: string) => s.replace(/\|/g, '\\|');
  const lines = [
    `${BEGIN}: generated by tools/readme-figures.ts from \`npm run bench -- --json\`; do not edit by hand. keys:`,
    ...rowKeys(rows).map((k) => `  ${k}`),
    '-->',
    '',
    '| figure | value | target |',
    '|---|---|---|',
    ...rows.map((r) => `| ${cell(fill(r.figure, json))} | ${cell(fill(r.value, json))} | ${cell(fill(r.target, json))} |`),
    '',
    END,
  ];
  return lines.join('\n');
}

/** The README with its figure block replaced; throws if the markers are missing. */
export function rewriteReadme(readme: string, json: Json): string {
  const a = readme.indexOf(BEGIN);
  const b = readme.indexOf(END);
  if (a < 0 || b < a) throw new Error(`README has no figure block: put ${BEGIN} -->...${END} where the table goes`);
  return readme.slice(0, a) + renderBlock(json) + readme.slice(b + END.length);
}

/** The keys listed in a README's begin marker. */
export function blockKeys(readme: string): string[] {
  const m = /<!-- figures:begin:[^>]*keys:\n([^>]*?)\n-->/.exec(readme);
  return m === null
    ? []
    : m[1]
        .split('\n')
        .map((k) => k.trim())
        .filter((k) => k !== '')
        .sort();
}

/**
 * Every key shape of the object the bench prints (tools/bench.ts, `const result`), from its
 * type: 'a.b', 'a.list[].x'; 'a.*' under a record, 'a.**' under an untyped value.
 */
export function benchKeyShapes(benchFile = join(ROOT, 'tools/bench.ts')): Set<string> {
  const cfg = ts.getParsedCommandLineOfConfigFile(join(ROOT, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} });
  const program = ts.createProgram([benchFile], { ...(cfg?.options ?? {}), noEmit: true });
  const checker = program.getTypeChecker();
  const sf = program.getSourceFile(benchFile);
  if (sf === undefined) throw new Error(`${benchFile} not found`);
  let decl: ts.VariableDeclaration | undefined;
  const find = (n: ts.Node): void => {
    if (ts.isVariableDeclaration(n) && n.name.getText(sf) === 'result') decl = n;
    ts.forEachChild(n, find);
  };
  find(sf);
  if (decl === undefined) throw new Error(`${benchFile}: no 'const result' (the object the bench prints)`);
  const at = decl;
  const out = new Set<string>();
  const leaf = ts.TypeFlags.StringLike | ts.TypeFlags.NumberLike | ts.TypeFlags.BooleanLike | ts.TypeFlags.Null | ts.TypeFlags.Undefined;
  const walk = (type: ts.Type, path: string, depth: number): void => {
    if (type.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) {
      out.add(path + '.**');
      return;
    }
    if (type.isUnion()) {
      for (const u of type.types) walk(u, path, depth);
      return;
    }
    if (type.flags & leaf || depth > 8) {
      out.add(path);
      return;
    }
    if (checker.isArrayType(type)) {
      walk(checker.getTypeArguments(type as ts.TypeReference)[0], path + '[]', depth + 1);
      return;
    }
    if (checker.getIndexInfosOfType(type).length > 0) out.add(path + '.*');
    for (const p of checker.getPropertiesOfType(type)) walk(checker.getTypeOfSymbolAtLocation(p, at), path === '' ? p.name : `${path}.${p.name}`, depth + 1);
  };
  walk(checker.getTypeAtLocation(at.name), '', 0);
  return out;
}

/** Is the key one the bench prints (by shape)? */
export function benchHasKey(key: string, shapes: Set<string>): boolean {
  const k = keyShape(key);
  // a whole list of values (shown joined): 'link.built_targets' for 'link.built_targets[]'
  if (shapes.has(k) || shapes.has(k + '[]')) return true;
  const parts = k.split('.');
  for (let n = parts.length - 1; n >= 1; n--) {
    const head = parts.slice(0, n).join('.');
    if (shapes.has(head + '.**')) return true;
    if (n === parts.length - 1 && shapes.has(head + '.*')) return true;
  }
  return false;
}

const USAGE = `usage: npx tsx tools/readme-figures.ts <bench.json> [--readme README.md]
  <bench.json>  what \`npm run bench -- --json\` printed
  --readme      the file whose figure block is rewritten (default README.md)`;

function main(argv: string[]): void {
  const { values, positionals } = parseCli('readme-figures', USAGE, argv, { readme: { type: 'string' } }, true);
  if (positionals.length !== 1) {
    process.stderr.write(`readme-figures: give one bench JSON file\n${USAGE}\n`);
    process.exit(2);
  }
  const readmePath = (values.readme as string | undefined) ?? join(ROOT, 'README.md');
  let json: Json;
  try {
    json = JSON.parse(readFileSync(positionals[0], 'utf8'));
  } catch (e) {
    process.stderr.write(`readme-figures: ${positionals[0]}: ${(e as Error).message}\n`);
    process.exit(2);
  }
  writeFileSync(readmePath, rewriteReadme(readFileSync(readmePath, 'utf8'), json));
  console.log(`readme-figures: ${FIGURE_ROWS.length} rows written to ${readmePath}`);
}

if (isEntry(import.meta.url)) main(process.argv.slice(2));
