// npm run bench [-- --json] [--plots DIR]
// Speed, cost and accuracy targets, measured in one run. Latencies are in simulated
// time; XS cost comes from xsnap's deterministic compute meter; the only wall-clock
// figure (the simulator's real-time factor) is a ratio measured in this same run.
import { accessBench } from './bench/access';
import { accuracyMatrix } from './bench/accuracy';
import { loadAccuracy } from './bench/load-accuracy';
import { throwingListenerTrips } from './bench/listener';
import { datasetDir, meterDataset } from './bench/real-waveforms';
import { overloadCurveError, tripLatencies } from './bench/latency';
import { buildSizes } from './bench/build';
import { controlUnitBench } from './bench/control-unit';
import { cuEspruinoBench } from './bench/cu-espruino';
import { consoleFigures } from './bench/console';
import { espruinoBench } from './bench/espruino';
import { linkBench } from './bench/link';
import { drBench } from './bench/dr';
import { builtLinkBench } from './build/link-bench';
import { pairBench } from './build/moddable/xs-pair-proof';
import { crossEngineBench } from './build/cross/cross-engine';
import { realtimeFactor } from './bench/realtime';
import { securityBench } from './bench/security';
import { cuFloodBench } from './bench/cu-flood';
import { nobleFirstBench, nobleModuleLoad } from './bench/noble-first';
import { ESP32_COMPUTRONS_PER_S, xsCost } from './bench/xs';
import { privacyBench } from './bench/privacy';
import { gatewayBench } from './bench/gateway';
import { runHomes } from './home/homes';
import { parseCli } from './cli';
import { accuracyPlot, overloadPlot } from './bench/plots';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

function writePlot(dir: string, name: string, svg: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, name), svg);
  console.error(`bench: wrote ${join(dir, name)}`);
}

const USAGE = `usage: npm run bench [-- --json] [--plots DIR]
  --json        print one JSON object with every figure on stdout (progress goes to stderr otherwise)
  --plots DIR   also write DIR/overload.svg (trip times on the IEC curves) and DIR/accuracy.svg (error by load shape)`;

async function main(): Promise<void> {
  const cli = parseCli('bench', USAGE, process.argv.slice(2), { json: { type: 'boolean' }, plots: { type: 'string' } }).values;
  const json = cli.json === true;
  const plotsDir = typeof cli.plots === 'string' ? cli.plots : undefined;
  const log = (s: string) => {
    if (!json) console.error(s);
  };
  log('bench: XS cost of the metering + protection hot path ...');
  const xs = await xsCost();
  // the simulated JS thread spends this long on each block (ESP32 estimate from the meter)
  const blockCostUs = xs.block_processing_us_esp32_est;
  log(`bench: trip latencies (block processing modelled at ${blockCostUs} us) ...`);
  const trip = tripLatencies(blockCostUs);
  log('bench: overload curves ...');
  const ol = overloadCurveError(blockCostUs);
  if (plotsDir !== undefined) writePlot(plotsDir, 'overload.svg', overloadPlot(ol.points));
  log('bench: accuracy matrix ...');
  const base = accuracyMatrix();
  log('bench: load library and start-up ...');
  const loads = loadAccuracy();
  if (plotsDir !== undefined) writePlot(plotsDir, 'accuracy.svg', accuracyPlot(loads.rows));
  // real appliance recordings, when a checkout is given (the dataset has no licence)
  const realDir = datasetDir();
  let real: { recordings: number; within_1pct: number; irms_err_pct_max: number; p_err_pct_max: number; cold_start_cycles_wrong: number } | string =
    'skipped: HFHAD_C_DIR not set (github.com/TerminusMars/HFHAD-C)';
  if (realDir !== undefined) {
    log('bench: real appliance waveforms ...');
    const rs = meterDataset(realDir, 3).results;
    real = {
      recordings: rs.length,
      within_1pct: rs.filter((r) => Math.abs(r.irmsErrPct) < 1 && Math.abs(r.pErrPct) < 1).length,
      irms_err_pct_max: Math.round(Math.max(...rs.map((r) => Math.abs(r.irmsErrPct))) * 1000) / 1000,
      p_err_pct_max: Math.round(Math.max(...rs.map((r) => Math.abs(r.pErrPct))) * 1000) / 1000,
      cold_start_cycles_wrong: rs.reduce((a, r) => a + r.coldStartWrong, 0),
    };
  }
  // the extended matrix: the sine matrix plus the load library (hal/sim/loads.ts)
  const acc = {
    ...base,
    sine_irms_err_pct_max: base.irms_err_pct_max,
    sine_p_err_pct_max: base.p_err_pct_max,
    irms_err_pct_max: Math.max(base.irms_err_pct_max, loads.irms_err_pct_max),
    p_err_pct_max: Math.max(base.p_err_pct_max, loads.p_err_pct_max),
    startup_cycles_wrong: loads.startup_cycles_wrong,
    startup_cycles_judged: loads.startup_cycles_judged,
    startup_cycles_flagged: loads.startup_cycles_flagged,
    loads: loads.rows,
    real,
  };
  log('bench: trips with a throwing listener ...');
  const throwing = throwingListenerTrips();
  log('bench: simulator speed ...');
  const rt = realtimeFactor();
  const con = consoleFigures();
  log('bench: link ...');
  const link = await linkBench();
  log('bench: the link in the built nodes (XS, real Espruino) ...');
  const builtLink = await builtLinkBench();
  log('bench: the built meter node and the built control unit together (XS) ...');
  const pair = await pairBench();
  // the pair proof (docs/LINK.md "Both ends built"): counted only when it ran and delivered
  if (pair.delivered) builtLink.built_targets.push('moddable->control-unit(moddable)');
  log('bench: the built Espruino node (real interpreter) and the built control unit (XS), two processes in lock-step ...');
  const cross = await crossEngineBench();
  // the cross-engine proof (docs/LINK.md "Two engines"): counted only when it ran and delivered
  if (cross.delivered) builtLink.built_targets.push('espruino->control-unit(moddable)');
  log('bench: security (flood at the airtime limit, stale commands, latch cut points, verify cost) ...');
  const sec = await securityBench();
  log('bench: the control unit under a forgery flood (XS) ...');
  const cuFlood = await cuFloodBench();
  log('bench: the first Ed25519 verify after boot, by option (XS) ...');
  const firstVerify = await nobleFirstBench();
  const nobleLoad = await nobleModuleLoad();
  log('bench: builds ...');
  const build = await buildSizes();
  log('bench: control unit build and its XS boot ...');
  const cu = await controlUnitBench();
  const cuEsp = await cuEspruinoBench();
  log('bench: privacy (load hiding) and scheduling ...');
  const priv = await privacyBench();
  log('bench: Espruino in the real interpreter ...');
  const espruino = await espruinoBench();
  log('bench: access (fingerprint, OTP vectors, access-log power cuts, XS cost) ...');
  const acc7 = await accessBench();
  log('bench: demand-response orders and plan lines ...');
  const dr = await drBench();
  log('bench: gateway, history, dashboard ...');
  const mon = await gatewayBench();
  log('bench: 100 simulated homes through stateless gateways (10 simulated s) ...');
  const homes = await runHomes(100, 10);
  const result = {
    accuracy: acc,
    trip_ms: trip,
    overload_curve_err_pct_max: ol.err_pct_max,
    overload_curve_points: ol.points,
    xs: {
      ...xs,
      assumed_esp32_computrons_per_s: ESP32_COMPUTRONS_PER_S,
      computrons_seal: link.computrons_seal,
      computrons_open: link.computrons_open,
      computrons_privacy_step: priv.computrons_privacy_step,
      // per build: noble-curves on Moddable, tweetnacl on Espruino (XS-measured for scale)
      computrons_verify_sig: sec.computrons_verify_sig,
      computrons_verify_sig_moddable_first: sec.computrons_verify_sig_moddable_first,
      // the first verify after boot by option: the shipped joint walk, noble's base table by window, a boot warm-up
      computrons_verify_sig_first_options: firstVerify,
      // noble's module bodies at boot (XS cannot preload it: tools/build/moddable/modules.ts) and the slots they keep
      computrons_noble_module_load: nobleLoad.computrons,
      noble_module_slots: nobleLoad.kept_slots,
      computrons_anomaly_per_reject: sec.computrons_anomaly_per_reject,
      computrons_ratelimit_reject_path: sec.computrons_ratelimit_reject_path,
      ...acc7.xs,
      computrons_cu_boot: cu.computrons_cu_boot,
      computrons_cu_proof: cu.computrons_cu_proof,
    },
    access: acc7.access,
    security: {
      trip_with_throwing_listener_ms: throwing,
      anomaly_entries_max_under_flood: sec.anomaly_entries_max_under_flood,
      security_log_entries_max_under_flood: sec.security_log_entries_max_under_flood,
      stale_commands_accepted: sec.stale_commands_accepted,
      stale_commands_tried: sec.stale_commands_tried,
      latch_cut_points: sec.latch_cut_points,
      latch_cut_points_reclosed: sec.latch_cut_points_reclosed,
      cu_flood_computrons_per_s: cuFlood.cu_flood_computrons_per_s,
      cu_flood_cpu_pct_esp32_est: cuFlood.cu_flood_cpu_pct_esp32_est,
    },
    link: {
      overhead_bytes: link.overhead_bytes,
      frames_per_reading: link.frames_per_reading,
      attack_frames_rejected_pct: link.attack_frames_rejected_pct,
      legit_delivery_pct_under_flood: link.legit_delivery_pct_under_flood,
      // targets whose BUILT meter node delivered a sealed frame to a peer control unit in this run
      built_targets: builtLink.built_targets,
      built_sealed_opened: builtLink.sealed_opened,
      built_xs_computrons_scenario: builtLink.xs_computrons_link_scenario,
      built_espruino_app_bytes_delta: builtLink.espruino_app_bytes_delta,
      built_pair_xs_computrons_scenario: pair.computrons,
      ...(pair.skipped !== undefined ? { built_pair_skipped: pair.skipped } : {}),
      built_cross_engine: cross,
    },
    sim: { ...rt, homes_realtime_factor: homes.realtime_factor, homes: homes.homes },
    console: con,
    build: { ...build, control_unit: { bytes: cu.bytes, ...(cu.skipped !== undefined ? { skipped: cu.skipped } : {}) } },
    privacy: priv.privacy,
    sched: priv.sched,
    espruino,
    espruino_cu: cuEsp,
    dr,
    ...mon,
  };
  if (json) {
    console.log(JSON.stringify(result));
    return;
  }
  const row = (k: string, v: number | string, target: string) => console.log(`${k.padEnd(44)} ${String(v).padStart(12)}   ${target}`);
  console.log('figure                                              value   target');
  row('accuracy.vrms_err_pct_max (1 s averages)', acc.vrms_err_pct_max, '<= 0.5');
  row('accuracy.irms_err_pct_max', acc.irms_err_pct_max, '<= 0.5');
  row('accuracy.p_err_pct_max (of true P)', acc.p_err_pct_max, '<= 1');
  row('accuracy.per_cycle_irms_err_pct_max', acc.per_cycle_irms_err_pct_max, '(info: single 20 ms cycles)');
  row('accuracy.sine_irms_err_pct_max / p', `${acc.sine_irms_err_pct_max} / ${acc.sine_p_err_pct_max}`, '(the sine matrix alone)');
  for (const l of acc.loads) row(`  ${l.name}`.slice(0, 44), `${l.irms_err_pct} / ${l.p_err_pct}`, '(Irms / P err %, 1 s windows)');
  row(
    'accuracy.real (HFHAD-C, 36 recordings)',
    typeof real === 'string' ? 'skipped' : `${real.within_1pct}/${real.recordings}`,
    typeof real === 'string' ? real : `within 1 % (Irms max ${real.irms_err_pct_max} %, cold-start wrong ${real.cold_start_cycles_wrong})`,
  );
  row('accuracy.startup_cycles_wrong', acc.startup_cycles_wrong, `0 (of ${acc.startup_cycles_judged}; ${acc.startup_cycles_flagged} flagged)`);
  const tl = throwing;
  row('security.trip_with_throwing_listener_ms', `${tl.overcurrent}/${tl.swell}/${tl.sag}`, '(OC/swell/sag; trips at all)');
  row('trip_ms.comparator', trip.comparator, '<= 0.5');
  row('trip_ms.comparator_during_long_task', trip.comparator_during_long_task, '<= 0.5');
  row('trip_ms.comparator_js_path_during_long_task', trip.comparator_js_path_during_long_task, '(why the latch exists)');
  row('trip_ms.instantaneous_oc', trip.instantaneous_oc, '<= 5');
  row('trip_ms.overvoltage (pickup 0)', trip.overvoltage, '<= 20 (one cycle)');
  row('trip_ms.undervoltage (pickup 0)', trip.undervoltage, '<= 20 (one cycle)');
  row('trip_ms.undervoltage_near_threshold (180 V)', trip.undervoltage_near_threshold, '<= 20 (one cycle)');
  row('trip_ms.overvoltage_near_threshold (268 V)', trip.overvoltage_near_threshold, '<= 20 (one cycle)');
  row('overload_curve_err_pct_max', ol.err_pct_max, '<= 5');
  row('xs.computrons_per_sample', xs.computrons_per_sample, '<= 300');
  row('xs.heap_bytes (core state, 16 B slots)', xs.heap_bytes, '(as measured)');
  row('xs.heap_growth_slots_per_block', xs.heap_growth_slots_per_block, '~0 (no allocation)');
  row('sim.realtime_factor', rt.realtime_factor, '>= 100');
  row('link.overhead_bytes (nRF24)', link.overhead_bytes, '<= 14 with a >= 8-byte tag');
  row('link.frames_per_reading (nRF24)', link.frames_per_reading, '1');
  row('xs.computrons_seal + xs.computrons_open', link.computrons_seal + link.computrons_open, '<= 30000');
  row('xs.computrons_verify_sig.moddable (noble)', sec.computrons_verify_sig.moddable, '(strict Ed25519; ~1 s on an ESP32)');
  row('xs.computrons_verify_sig.espruino (tweetnacl)', sec.computrons_verify_sig.espruino, '(measured in XS, for scale)');
  row('xs.computrons_verify_sig_moddable_first', sec.computrons_verify_sig_moddable_first, '(= a later verify: no base table)');
  row("  ... with noble's base table (W=6), first", firstVerify.base_table_w6.first, '(the former verify; 7052 XS slots kept)');
  row('xs.computrons_noble_module_load', nobleLoad.computrons, `(at boot, not preloaded; ${nobleLoad.kept_slots} XS slots kept)`);
  row('xs.computrons_anomaly_per_reject', sec.computrons_anomaly_per_reject, '(3,300 forged frames/s)');
  row('xs.computrons_ratelimit_reject_path', sec.computrons_ratelimit_reject_path, '(radio frame to logged refusal)');
  row('security.anomaly_entries_max_under_flood', sec.anomaly_entries_max_under_flood, '(constant: no per-frame entries)');
  row('security.stale_commands_accepted', sec.stale_commands_accepted, '0');
  row('security.latch_cut_points_reclosed', sec.latch_cut_points_reclosed, '0');
  row('security.cu_flood_cpu_pct_esp32_est', JSON.stringify(cuFlood.cu_flood_cpu_pct_esp32_est), 'guarded <= 25 % (3,300 forged frames/s)');
  row('link.attack_frames_rejected_pct', link.attack_frames_rejected_pct, '100');
  row('link.legit_delivery_pct_under_flood', link.legit_delivery_pct_under_flood, '(500 forged frames/s)');
  row(
    'link.built_targets',
    builtLink.built_targets.join(',') || 'none',
    'moddable,espruino,moddable->control-unit(moddable),espruino->control-unit(moddable) (built node -> control unit, in the engines; the last two: both ends built)',
  );
  row(
    'xs.computrons_built_pair_scenario',
    pair.computrons ?? 'skipped',
    pair.skipped ?? '(built node + built control unit, 12.5 virtual s: reading, disconnect, reconnect, trip)',
  );
  row(
    'link.built_cross_engine',
    cross.skipped !== undefined ? 'skipped' : `${cross.round_trips} round trips, ${cross.unit_computrons} computrons`,
    cross.skipped ?? `(Espruino node + XS unit, ${cross.virtual_s} virtual s; Espruino ${cross.espruino_vars} vars)`,
  );
  row(
    'link.built_espruino_app_bytes_delta',
    builtLink.espruino_app_bytes_delta ?? 'skipped',
    `(app.js ${builtLink.espruino_app_bytes ?? '-'} B with the link)`,
  );
  row('console.commands', con.commands, '(Help list of the meter node)');
  row('build.moddable.bytes', build.moddable.bytes, '(JS modules + tweetnacl + noble-curves)');
  row('build.moddable.noble_curves_bytes', build.moddable.noble_curves_bytes, '(the Ed25519 verify, minified)');
  row(
    'build.moddable.real_sdk',
    String(build.moddable.real_sdk),
    build.moddable.real_sdk ? `(real mcconfig + xsc, ${build.moddable.xsc_modules} modules)` : build.moddable.real_sdk_reason,
  );
  row('build.espruino.bytes', build.espruino.bytes, '(one minified ES5 bundle)');
  row('build.lua.bytes', build.lua.bytes, '(init.lua + app.lua)');
  row('build.control_unit.bytes', cu.bytes, '(the control unit app: JS modules + tweetnacl)');
  row(
    'espruino_cu.vars_used (ESP32 format)',
    cuEsp.vars_used ?? 'skipped',
    cuEsp.skipped ?? `(of ${cuEsp.vars_total}; the control unit, ${cuEsp.bundle_bytes} B upload; guest login ${cuEsp.guest_ok ? 'ok' : 'FAILED'})`,
  );
  row('xs.computrons_cu_boot', cu.computrons_cu_boot ?? 'skipped', cu.skipped ?? '(built app: start-up + 0.5 s, simulator baseline removed)');
  for (const k of Object.keys(priv.privacy.mi_bits))
    row(
      `privacy.mi_bits.${k} / events_per_day`,
      `${priv.privacy.mi_bits[k]} / ${priv.privacy.events_per_day[k]}`,
      k === 'ours' ? `(${priv.privacy.ours}) lowest` : '(baseline)',
    );
  row('privacy.overhead_pct (ours)', priv.privacy.overhead_pct, '<= 6 (stated)');
  row('xs.computrons_privacy_step', priv.computrons_privacy_step, '(measured)');
  row('access.fp_identify_ms (finger-on to decision)', acc7.access.fp_identify_ms, '(57600 baud, worst poll phase)');
  row('access.otp_vectors_passed / total', `${acc7.access.otp_vectors_passed} / ${acc7.access.otp_vectors_total}`, 'all (RFC 4226 D, RFC 6238 B)');
  row('xs.computrons_totp (one check, SHA-1, ±1 step)', acc7.xs.computrons_totp, '(measured)');
  row('xs.computrons_fp_packet (16-byte ack)', acc7.xs.computrons_fp_packet, '(measured)');
  row('access.log_records_lost', `${acc7.access.log_records_lost} of ${acc7.access.log_power_cut_points} cuts`, '0');
  row('sched.saving_pct_vs_immediate', priv.sched.saving_pct_vs_immediate, '(household day, ToU)');
  row(
    'sched.xs_computrons_plan_day (15 / 30 min slots)',
    `${priv.sched.xs_computrons_plan_day} / ${priv.sched.xs_computrons_plan_day_30min}`,
    '(30 min on the board)',
  );
  row(
    'sched.xs_computrons_plan_slice_max x plan_slices_30min',
    `${priv.sched.xs_computrons_plan_slice_max} x ${priv.sched.plan_slices_30min}`,
    '(one slice per 1 s tick)',
  );
  row('sched.table_bytes (15 / 30 min slots)', `${priv.sched.table_bytes_15min} / ${priv.sched.table_bytes_30min}`, '<= 65536 on the board');
  row(
    'gateway.msgs_per_s (embedded / mosquitto)',
    `${mon.gateway.msgs_per_s.embedded} / ${mon.gateway.msgs_per_s.mosquitto ?? '-'}`,
    '>= 10000 (readings; relay state on change)',
  );
  row(
    'gateway.publish_p99_ms (embedded / mosquitto)',
    `${mon.gateway.publish_p99_ms.embedded} / ${mon.gateway.publish_p99_ms.mosquitto ?? '-'}`,
    '(line in -> PUBACK)',
  );
  row('dashboard.bytes', mon.dashboard.bytes, '< 300000');
  row('sim.homes_realtime_factor (100 homes)', homes.realtime_factor, '>= 10');
  row('history.rows_per_s', mon.history.rows_per_s, '(readings; 3 resolution rows each)');
  row('ha.discovery_entities', mon.ha.discovery_entities, '(per node)');
  row('sched.optimal_on_small_cases', priv.sched.optimal_on_small_cases, `1 (of ${priv.sched.small_cases} vs exhaustive)`);
  row('espruino.vars_used (ESP32 format)', espruino.vars_used ?? `skipped`, espruino.skipped ?? '(of 16383; 14 B each)');
  row(
    'espruino.pairs_per_s_max (240 MHz)',
    espruino.pairs_per_s_max ?? 'skipped',
    `>= ${espruino.board_rate_hz} / 0.75 (board rate, CPU budget); 160 MHz: ${espruino.pairs_per_s_max_160mhz ?? '-'}`,
  );
}

main().catch((e) => {
  console.error(`bench: ${(e as Error).stack ?? e}`);
  process.exit(1);
});
