// Mains metering, one block of interleaved V/I codes at a time.
//
// Per sample: remove the tracked DC offset, accumulate seven sums, check the
// instantaneous over-current pickup, look for zero crossings. Per cycle (positive-going
// V crossings, found by linear interpolation): Vrms, Irms, P, S, PF, f and energy. Per
// block: the Vrms of the last half period (a sliding window) for the over/under-voltage
// elements, so they see a sag half a cycle after it starts.
//
// Why the sums are exact per cycle: the window is the interpolated crossing-to-crossing
// period P (fractional samples), not the integer sample count. A sample sum is a
// midpoint-rule integral over [k0-1/2, k1-1/2]; the small pieces between those bounds and
// the true crossings are corrected with the value interpolated at each crossing
// (w = 1/2 - a, a = crossing fraction). V is 0 at its own crossing, so only the terms with
// I need it. This keeps Irms within 0.1 % at PF 0.5, where I is far from 0 at the V
// crossing and an uncorrected window would be off by up to half a sample (0.6 % at 4 kHz).
//
// Offsets (docs/PROTECTION.md, "Offsets"). Voltage: the mains voltage has no DC over a
// cycle (the ZMPT101B is a transformer, and a flat-topped supply is still symmetric), so
// the cycle's own V mean is its offset: Vrms = sqrt(mean(v^2) - mean(v)^2) and
// P = mean(v*i) - mean(v)*mean(i) are exact whatever DC the current has. Current: the
// cycle's own I mean is NOT an offset for half-wave, burst-fire and cycle-skipping loads
// (it is real current; removing it read an induction hob 21 % low). The I offset is
// measured where it is known: (a) while the breaker is open the current is zero, so the
// cycle mean is the offset, exactly (the node says when; the relays are open at every
// boot); (b) on a CT, which passes no DC in steady state, it is also the mean over whole
// seconds of cycles (as EmonLibCM), so 1-of-N burst patterns average out. A shunt or Hall
// sensor passes DC: its offset is only updated while the breaker is open. Until either has
// happened, a cycle uses its own I mean and is flagged CYCLE_I_PROVISIONAL.
//
// Start-up: the first window of samples (one period at minHz) only sets the V offset (the
// midrange of V: exact for a symmetric wave) and, if the current is known to be zero, the
// I offset; crossings are looked for after that, and the partial cycle before the first
// crossing is never reported. So the first reading is the first full cycle, and correct.
//
// Listeners are untrusted: a throwing onCycle/onHalfCycle/onPeak is counted in
// `listenerErrors` and the meter carries on; the sums are reset before onCycle is called.
//
// Phase: the ESP32 ADC scans V then I, so I is sampled skewUs later (2.25 degrees at
// 50 Hz, 4 kHz); CTs add their own lead. `phaseShift` (samples, -1..1) aligns them by
// linear interpolation, applied per cycle through two extra sums rather than per sample.
import type { CycleReading, EnergyRegisters } from './readings';
import {
  CYCLE_GAP,
  CYCLE_I_PROVISIONAL,
  CYCLE_I_RAIL,
  CYCLE_I_STUCK,
  CYCLE_NAN,
  CYCLE_NO_CROSSING,
  CYCLE_V_RAIL,
  CYCLE_V_STUCK,
  newCycleReading,
} from './readings';

/** Length of the CT's offset-tracking window, s: whole seconds of cycles, so a 1-of-N
 *  burst pattern (N up to ~10 at 50 Hz) averages out to within one pattern. */
const I_OFFSET_WINDOW_S = 1;
/** Weight of a new window mean in the CT offset (first-order filter, ~4 s: the ADC bias
 *  drifts over minutes, while a window that splits a burst pattern, or holds a load that
 *  switched on mid-cycle, is off by a fraction of a code to ~2 codes). */
const I_OFFSET_GAIN = 0.25;
/** While the breaker is open a cycle counts as zero current only if its AC rms stays under
 *  this many codes (ADC noise is ~1 LSB rms): welded contacts or a CT on the supply side
 *  must not become an offset. */
const ZERO_RMS_CODES = 5;

export interface MeterCalibration {
  /** volts per ADC code */
  vGain: number;
  /** amps per ADC code */
  iGain: number;
  /** samples by which I lags V in sampling (ADC skew minus CT lead), -1..1 */
  phaseShift: number;
}

export interface MeterSetup {
  rateHz: number;
  bits: number;
  blockPairs: number;
  cal: MeterCalibration;
  /** zero-crossing hysteresis, codes */
  hystCodes: number;
  minHz: number;
  maxHz: number;
  /** the current sensor passes DC (shunt, Hall); false for a CT (the default) */
  iPassesDc?: boolean;
}

export interface MeterListener {
  /** A full cycle closed. `r` is reused: copy what you keep. */
  onCycle(r: CycleReading): void;
  /** Once per block: Vrms over the last half cycle (a sliding window; tracked offset). */
  onHalfCycle(vrms: number, tUs: number): void;
  /** Instantaneous over-current: `confirm` consecutive samples beyond the pickup. */
  onPeak(iAmps: number, tUs: number): void;
}

export class MainsMeter {
  readonly reading: CycleReading = newCycleReading();
  readonly energy: EnergyRegisters = { importWh: 0, exportWh: 0, todayWh: 0, day: 0, gapUs: 0 };
  /** tracked V and I offsets, codes (a stored value may be written before the first block) */
  offV: number;
  offI: number;
  cal: MeterCalibration;
  /** instantaneous over-current pickup in codes (offset removed); Infinity disables */
  ocCodes = 1 / 0;
  ocConfirm = 2;
  /** local time offset for the daily energy register, µs */
  dayOffsetUs = 0;
  /**
   * The quiet band of the half-cycle window, as mean squares in codes^2: while the window
   * stays inside it (and was inside last time) onHalfCycle is not called, since a voltage
   * element inside its reset band has nothing to do. The node sets it to the elements'
   * reset levels; the default (an empty band) calls every block.
   */
  quietLo = 1 / 0;
  quietHi = 0;
  /** listener calls that threw (each was caught; metering and protection carried on) */
  listenerErrors = 0;
  private loud = true;

  private readonly ts: number; // sample period, µs
  private readonly maxCode: number;
  private readonly hyst: number;
  private readonly minN: number;
  private readonly maxN: number;
  private readonly iPassesDc: boolean;
  private readonly listener: MeterListener;
  // running sums of the open cycle
  private sv = 0;
  private si = 0;
  private svv = 0;
  private sii = 0;
  private svi = 0;
  private svdi = 0;
  private sdvi = 0;
  private n = 0; // samples in the open cycle
  private a0 = 0.5; // crossing fraction that opened the cycle
  // sliding half-cycle window of v^2 for the voltage elements: a ring of the latest
  // samples and the running sum of the last `wn` of them (resynchronised every cycle)
  private readonly ring: number[] = [];
  private rpos = 0;
  private wn = 0;
  private wsum = 0;
  private halfLen = 0; // half period, samples (fractional), from the last cycle
  private vp = 0;
  private ip = 0; // previous sample (offset removed)
  private armPos = false;
  private ocRun = 0;
  private pk = 0;
  private nextT = -1; // expected time of the next block
  private gap = false;
  /** samples still to come before the half-cycle window holds no sample from before a gap */
  private refill = 0;
  private cycles = 0;
  private lastP = 0;
  // start-up: samples seen in the first window, V extremes, I sums (codes)
  private primed = false;
  private preN = 0;
  private preLo = 1 / 0;
  private preHi = -1 / 0;
  private preSi = 0;
  private preSii = 0;
  private preT = -1;
  /** a cycle is open (its opening crossing was seen); false at start and after a free window */
  private open = false;
  private cycleT = 0; // time the open cycle started, µs
  // the I offset: established yet? and the CT's long window (absolute code sum, samples, s)
  private iSettled = false;
  private lwSum = 0;
  private lwN = 0;
  private lwS = 0;
  private ctMove = 0;
  /** the window in progress holds the breaker's own closing (a partial first cycle of
   *  current, whose DC is real): it is not used */
  private lwDiscard = false;
  /** cycles that start at or after this time carry no current (breaker open); Infinity: closed */
  private zeroFromUs = 1 / 0;

  constructor(setup: MeterSetup, listener: MeterListener) {
    this.ts = 1e6 / setup.rateHz;
    this.maxCode = Math.pow(2, setup.bits) - 1;
    // half-scale as a float: Lua keeps integer subtypes, and everything derived from the
    // offset must be float so nothing wraps at 32 bits
    this.offV = (this.maxCode + 1) / 2;
    this.offI = (this.maxCode + 1) / 2;
    this.cal = setup.cal;
    this.hyst = setup.hystCodes;
    this.minN = setup.rateHz / setup.maxHz;
    this.maxN = setup.rateHz / setup.minHz;
    this.iPassesDc = setup.iPassesDc === true;
    this.listener = listener;
    // room for the longest half cycle (minHz) and the fractional sample, rounded up to a
    // power of two so the ring index is a mask, not a compare
    let rlen = 8;
    while (rlen < this.maxN / 2 + 3) rlen = rlen * 2;
    for (let k = 0; k < rlen; k++) this.ring.push(0);
  }

  /**
   * The breaker opened: from `fromUs` (the contacts' release time after the command) no
   * current flows, so the I offset is measured exactly on the cycles that start after it.
   * A repeated call while open keeps the first time.
   */
  currentStopped(fromUs: number): void {
    if (this.zeroFromUs === 1 / 0) this.zeroFromUs = fromUs;
  }

  /** The breaker is closing: current may flow from now on. */
  currentMayFlow(): void {
    this.zeroFromUs = 1 / 0;
    this.lwDiscard = this.iSettled;
  }

  /** True once the I offset was measured (zero current) or averaged (CT, whole seconds). */
  currentOffsetSettled(): boolean {
    return this.iSettled;
  }

  /** Process `pairs` interleaved V/I code pairs whose first V sample was taken at tUs. */
  processBlock(b: number[], pairs: number, tUs: number): void {
    if (this.nextT >= 0 && tUs > this.nextT + this.ts / 2) {
      this.bridgeGap(tUs - this.nextT);
      if (this.primed) this.abandonCycle(tUs);
    }
    this.nextT = tUs + pairs * this.ts;
    if (!this.primed) {
      this.preRoll(b, pairs, tUs);
      return;
    }
    // everything the loop touches lives in locals: property access is the dominant
    // cost per sample in XS, and this loop runs 4000 times a second
    let offV = this.offV;
    let offI = this.offI;
    const hyst = this.hyst;
    const ocCodes = this.ocCodes;
    const minN = this.minN;
    const maxN = this.maxN;
    let sv = this.sv,
      si = this.si,
      svv = this.svv,
      sii = this.sii,
      svi = this.svi;
    let svdi = this.svdi,
      sdvi = this.sdvi;
    let n = this.n,
      vp = this.vp,
      ip = this.ip,
      pk = this.pk;
    let armPos = this.armPos,
      ocRun = this.ocRun;
    const ring = this.ring;
    const mask = ring.length - 1;
    let rpos = this.rpos,
      wsum = this.wsum;
    let wn = this.wn;
    const end = pairs * 2;
    for (let k = 0; k < end; k += 2) {
      // a NaN from a broken driver propagates into the sums; the cycle that holds it
      // is flagged when it closes (no per-sample check needed)
      let v = b[k] - offV;
      let i = b[k + 1] - offI;
      const ai = i < 0 ? -i : i;
      if (ai > ocCodes) {
        ocRun++;
        if (ocRun === this.ocConfirm) this.peak(ai * this.cal.iGain, tUs + (k / 2) * this.ts);
      } else ocRun = 0;
      if (armPos) {
        if (v >= 0) {
          // the first sample at or above zero after the arm: vp < 0 <= v, so vp - v < 0 and
          // the crossing fraction is finite. A crossing sooner than 1/maxHz after the last
          // one is not a cycle: it is dropped (never deferred to a later, non-crossing
          // sample). The crossing that opens the first cycle may come at any time.
          armPos = false;
          if (n >= minN || !this.open) {
            const a = vp / (vp - v);
            // close the cycle with its corrections, then open the next with the same point
            this.sv = sv;
            this.si = si;
            this.svv = svv;
            this.sii = sii;
            this.svi = svi;
            this.svdi = svdi;
            this.sdvi = sdvi;
            this.n = n;
            this.pk = pk;
            this.rpos = rpos;
            this.wsum = wsum;
            this.closeCycle(a, ip + a * (i - ip), v - vp, tUs + (k / 2 - 1 + a) * this.ts, false);
            wsum = this.wsum;
            wn = this.wn;
            sv = this.sv;
            si = this.si;
            svv = this.svv;
            sii = this.sii;
            svi = this.svi;
            svdi = this.svdi;
            sdvi = this.sdvi;
            n = this.n;
            pk = this.pk;
            // the offsets moved at the close: re-express this and the previous sample
            const dV = this.offV - offV,
              dI = this.offI - offI;
            offV = this.offV;
            offI = this.offI;
            v -= dV;
            i -= dI;
            vp -= dV;
            ip -= dI;
          }
        }
      } else if (v < -hyst) armPos = true;
      if (ai > pk) pk = ai;
      const vv = v * v;
      // the sample leaving the window is wn places back in the ring (a power of two long)
      wsum += vv - ring[(rpos - wn) & mask];
      ring[rpos & mask] = vv;
      rpos++;
      sv += v;
      si += i;
      svv += vv;
      sii += i * i;
      svi += v * i;
      svdi += v * (i - ip);
      sdvi += (v - vp) * i;
      n++;
      vp = v;
      ip = i;
      if (n >= maxN) {
        // no crossing for 1/minHz: mains lost or V sensor dead; close a free-running window
        this.sv = sv;
        this.si = si;
        this.svv = svv;
        this.sii = sii;
        this.svi = svi;
        this.svdi = svdi;
        this.sdvi = sdvi;
        this.n = n;
        this.pk = pk;
        this.rpos = rpos;
        this.wsum = wsum;
        this.closeCycle(0.5, i, 0, tUs + (k / 2 + 0.5) * this.ts, true);
        wsum = this.wsum;
        wn = this.wn;
        sv = this.sv;
        si = this.si;
        svv = this.svv;
        sii = this.sii;
        svi = this.svi;
        svdi = this.svdi;
        sdvi = this.sdvi;
        n = this.n;
        pk = this.pk;
        vp -= this.offV - offV;
        ip -= this.offI - offI;
        offV = this.offV;
        offI = this.offI;
        armPos = false;
      }
    }
    this.sv = sv;
    this.si = si;
    this.svv = svv;
    this.sii = sii;
    this.svi = svi;
    this.svdi = svdi;
    this.sdvi = sdvi;
    this.n = n;
    this.vp = vp;
    this.ip = ip;
    this.pk = pk;
    this.armPos = armPos;
    this.ocRun = ocRun;
    this.rpos = rpos;
    this.wsum = wsum;
    // every block: the last half cycle's RMS. sin^2 (and odd harmonics squared) repeat
    // every half period, so a window of exactly half a period gives the true mean square
    // wherever it starts: the voltage elements see a sag or swell half a cycle after it
    // begins, plus one block, instead of waiting for a zero crossing.
    if (this.refill > 0) this.refill = this.refill > pairs ? this.refill - pairs : 0;
    if (this.halfLen > 0 && this.refill === 0) {
      const frac = this.halfLen - wn;
      const ms = (wsum + frac * ring[(rpos - wn - 1) & mask]) / this.halfLen;
      const quiet = ms > this.quietLo && ms < this.quietHi;
      if (!quiet || this.loud) {
        try {
          this.listener.onHalfCycle(this.cal.vGain * Math.sqrt(ms > 0 ? ms : 0), tUs + pairs * this.ts);
        } catch (e) {
          this.listenerErrors++;
        }
      }
      this.loud = !quiet;
    }
  }

  private peak(iAmps: number, tUs: number): void {
    try {
      this.listener.onPeak(iAmps, tUs);
    } catch (e) {
      this.listenerErrors++;
    }
  }

  // The first window after start (one period at minHz, whole blocks): the V offset from the
  // midrange (exact for a symmetric wave, whatever its phase in the window), the I offset
  // from the mean if no current flows. The over-current check runs from the first sample.
  private preRoll(b: number[], pairs: number, tUs: number): void {
    if (this.preT < 0) this.preT = tUs;
    let lo = this.preLo,
      hi = this.preHi,
      si = this.preSi,
      sii = this.preSii;
    let ocRun = this.ocRun;
    const offI = this.offI;
    const end = pairs * 2;
    for (let k = 0; k < end; k += 2) {
      const v = b[k];
      const i = b[k + 1] - offI;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
      si += i;
      sii += i * i;
      const ai = i < 0 ? -i : i;
      if (ai > this.ocCodes) {
        ocRun++;
        if (ocRun === this.ocConfirm) this.peak(ai * this.cal.iGain, tUs + (k / 2) * this.ts);
      } else ocRun = 0;
    }
    this.preLo = lo;
    this.preHi = hi;
    this.preSi = si;
    this.preSii = sii;
    this.ocRun = ocRun;
    this.preN += pairs;
    if (this.preN < this.maxN) return;
    this.primed = true;
    // no valid V sample at all (a NaN driver): keep the offset; the cycles will be flagged
    if (hi >= lo) this.offV = (lo + hi) / 2;
    const n = this.preN;
    const mi = si / n;
    const ac = sii / n - mi * mi;
    if (this.preT >= this.zeroFromUs && ac === ac && ac < ZERO_RMS_CODES * ZERO_RMS_CODES) this.offI += mi;
    // the crossing search starts now (a window that ends without one is a free window)
    this.openCycle(0, 0, 0, 0.5, tUs + pairs * this.ts, 0);
  }

  // a: fraction of the sample step at which V crossed; ic: I interpolated there;
  // dvc: V step across the crossing (for the phase sum's end correction)
  private closeCycle(a: number, ic: number, dvc: number, tEnd: number, free: boolean): void {
    if (a !== a) {
      // a NaN next to the crossing: place the crossing mid-step; the cycle is flagged
      a = 0.5;
      tEnd = this.nextT - this.ts;
    }
    const w = 0.5 - a;
    if (!free && !this.open) {
      // the first crossing (at start, or after a free window) only opens a cycle: the
      // samples before it are a partial cycle and are never reported. After a free window
      // their energy is bridged with the last power; at start there is none (and the
      // node's relays are open then anyway)
      if (this.cycles > 0) this.accumulate(this.lastP, ((this.n + a - this.a0) * this.ts) / 1e6, tEnd);
      this.openCycle(w, ic, dvc, a, tEnd, 0);
      this.open = true;
      return;
    }
    const per = this.n + a - this.a0; // period in samples
    const sii = this.sii - w * ic * ic;
    const si = this.si - w * ic;
    const sdvi = this.sdvi - w * dvc * ic;
    const mv = this.sv / per;
    const mi = si / per;
    const msv = this.svv / per - mv * mv;
    const msAc = sii / per - mi * mi; // I about the cycle's own mean
    const cal = this.cal;
    const s = cal.phaseShift;
    const pvi = this.svi / per - mv * mi;
    const r = this.reading;
    const pg = cal.vGain * cal.iGain;
    const nan = !(msv === msv && msAc === msAc && pvi === pvi);
    let flags = free ? CYCLE_NO_CROSSING : 0;
    // the I offset: which estimate this cycle uses, and how far it moves (codes)
    let msi = msAc;
    let dI = 0;
    if (!nan) {
      if (this.cycleT >= this.zeroFromUs && msAc < ZERO_RMS_CODES * ZERO_RMS_CODES) {
        // breaker open: no current, so the mean is the offset (smoothed once settled)
        dI = this.iSettled ? 0.25 * mi : mi;
        this.iSettled = true;
        this.lwSum = 0;
        this.lwN = 0;
        this.lwS = 0;
      } else {
        if (this.iSettled) msi = sii / per;
        else {
          // provisional: the cycle mean stands in for the offset (and is followed, so the
          // over-current check has a fair offset meanwhile)
          flags |= CYCLE_I_PROVISIONAL;
          dI = (this.cycles < 4 ? 1 : 0.25) * mi;
        }
        if (!this.iPassesDc && this.trackCtOffset(si + per * this.offI, per, (per * this.ts) / 1e6)) dI = this.ctMove;
      }
    }
    r.pRaw = pg * pvi;
    r.pLag = (pg * this.svdi) / per;
    r.pLead = (pg * sdvi) / per;
    r.tUs = tEnd;
    r.durationS = (per * this.ts) / 1e6;
    r.vrms = cal.vGain * Math.sqrt(msv > 0 ? msv : 0);
    r.irms = cal.iGain * Math.sqrt(msi > 0 ? msi : 0);
    r.p = s >= 0 ? r.pRaw - s * r.pLag : r.pRaw + s * r.pLead;
    r.s = r.vrms * r.irms;
    r.pf = r.s > 1e-9 ? r.p / r.s : 0;
    r.freqHz = free ? 0 : 1e6 / (per * this.ts);
    r.iPeak = this.pk * cal.iGain;
    // faults from per-cycle statistics, not per-sample tests: a NaN poisons the sums;
    // a channel with no variance at all (less than 0.1 LSB rms: real ADCs always show
    // noise) is stuck, and stuck with its mean on a rail is a rail fault
    if (nan) {
      flags |= CYCLE_NAN;
      r.vrms = 0 / 0;
      r.irms = 0 / 0;
      r.p = 0 / 0;
      r.s = 0 / 0;
      r.pf = 0 / 0;
    } else {
      if (msv < 0.01) flags |= this.railOrStuck(this.offV + mv, CYCLE_V_RAIL, CYCLE_V_STUCK);
      if (msAc < 0.01) flags |= this.railOrStuck(this.offI + mi, CYCLE_I_RAIL, CYCLE_I_STUCK);
    }
    if (this.gap) flags |= CYCLE_GAP;
    r.flags = flags;
    // the window follows the measured period; on a free-running window (no crossing)
    // it keeps the last one, so a lost supply still shows within half a cycle
    if (!free && !(this.halfLen > 0 && Math.abs(per / 2 - this.halfLen) < 0.01)) this.setHalfLen(per / 2);
    else this.resyncWindow();
    if (!nan) {
      // follow the V offset: exact for the first cycles, then smoothed against noise
      this.offV += (this.cycles < 4 ? 1 : 0.25) * mv;
      this.offI += dI;
      this.cycles++;
      this.accumulate(r.p, r.durationS, tEnd);
      this.lastP = r.p;
    } else this.accumulate(this.lastP, r.durationS, tEnd);
    this.gap = false;
    // open the next cycle first, so a listener that throws cannot leave these sums open
    if (free) {
      // after a free window the next crossing opens a cycle
      this.openCycle(0, 0, 0, 0.5, tEnd, dI);
      this.open = false;
    } else this.openCycle(w, ic, dvc, a, tEnd, nan ? 0 : dI);
    try {
      this.listener.onCycle(r);
    } catch (e) {
      this.listenerErrors++;
    }
  }

  // Start the sums of a new cycle at a crossing, with its end corrections (expressed in the
  // I offset after a move of dI codes).
  private openCycle(w: number, ic: number, dvc: number, a: number, tUs: number, dI: number): void {
    const icNext = ic - dI;
    this.sv = 0;
    this.svv = 0;
    this.svi = 0;
    this.svdi = 0;
    this.sii = icNext === icNext ? w * icNext * icNext : 0;
    this.si = icNext === icNext ? w * icNext : 0;
    this.sdvi = icNext === icNext && dvc === dvc ? w * dvc * icNext : 0;
    this.n = 0;
    this.a0 = a;
    this.pk = 0;
    this.cycleT = tUs;
  }

  // CT: no DC in steady state, so the mean over whole seconds of cycles is the offset.
  // True when a window closed; the offset move (codes) is then in ctMove.
  private trackCtOffset(sumCodes: number, samples: number, seconds: number): boolean {
    this.lwSum += sumCodes;
    this.lwN += samples;
    this.lwS += seconds;
    if (this.lwS < I_OFFSET_WINDOW_S) return false;
    const d = this.lwSum / this.lwN - this.offI;
    this.lwSum = 0;
    this.lwN = 0;
    this.lwS = 0;
    if (this.lwDiscard) {
      this.lwDiscard = false;
      return false;
    }
    this.ctMove = this.iSettled ? I_OFFSET_GAIN * d : d;
    this.iSettled = true;
    return true;
  }

  private setHalfLen(half: number): void {
    const max = this.ring.length - 2;
    this.halfLen = half < max ? half : max;
    this.wn = Math.floor(this.halfLen);
    this.resyncWindow();
  }

  // recompute the running sum from the ring (no drift from adding and subtracting floats)
  private resyncWindow(): void {
    const ring = this.ring;
    const mask = ring.length - 1;
    // keep the index small (Lua builds with 32-bit integers)
    this.rpos = this.rpos & mask;
    let sum = 0;
    for (let k = 1; k <= this.wn; k++) sum += ring[(this.rpos - k) & mask];
    this.wsum = sum;
  }

  private railOrStuck(meanCode: number, rail: number, stuck: number): number {
    return meanCode < 0.5 || meanCode > this.maxCode - 0.5 ? rail : stuck;
  }

  private accumulate(p: number, dtS: number, tUs: number): void {
    const e = this.energy;
    const wh = (p * dtS) / 3600;
    if (wh >= 0) e.importWh += wh;
    else e.exportWh -= wh;
    const day = Math.floor((tUs + this.dayOffsetUs) / 86400e6);
    if (day !== e.day) {
      e.day = day;
      e.todayWh = 0;
    }
    if (wh > 0) e.todayWh += wh;
  }

  // Samples are missing before this block, so the open cycle is not a cycle: its sums span
  // the gap, its sample count is not its duration, and a crossing found across the gap is
  // not where V crossed. Drop it (its energy is bridged with the last power, like the gap's)
  // and wait for the next crossing; the half-cycle window, which must be contiguous to
  // give the true mean square, is not evaluated until it holds only samples after the gap.
  // (A polled ADC whose timer ticks come late, e.g. behind a GC pass or a flash write, loses
  // blocks like this; a gap cycle once read ~150 V and kept the breaker from closing.)
  private abandonCycle(tUs: number): void {
    if (this.open && this.cycles > 0) this.accumulate(this.lastP, (this.n * this.ts) / 1e6, tUs);
    this.openCycle(0, 0, 0, 0.5, tUs, 0);
    this.open = false;
    this.armPos = false;
    this.ocRun = 0;
    this.refill = Math.ceil(this.halfLen) + 1;
  }

  // Blocks were lost (the DMA ring overflowed while JS was busy): bridge the energy with
  // the last cycle's power and count the gap, so energy has no silent hole.
  private bridgeGap(missingUs: number): void {
    this.energy.gapUs += missingUs;
    this.accumulate(this.lastP, missingUs / 1e6, this.nextT);
    this.gap = true;
  }
}
