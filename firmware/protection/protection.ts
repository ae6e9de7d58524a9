// Protection: every element in one place, fed by metering, and one breaker.
//
// Paths, fastest first:
//   comparator edge -> onComparator() -> trip (the hardware latch or native ISR has
//       already opened the relays on the board; this records it and keeps them open)
//   sample peaks    -> onPeak()       -> trip, inside the block that saw them
//   every block     -> onHalfCycle()  -> over/under-voltage (sliding half-cycle RMS)
//   cycles          -> onCycle()      -> overload (IEC 60255-151), power limit, daily
//                                        energy cap, sensor supervision, reclose
//   blocks          -> onBlockEnd()   -> overload deadline inside a cycle
//   1 Hz            -> onSlow()       -> gas, temperature, slow-sensor supervision
import type { CycleReading } from '../metering/readings';
import { CYCLE_I_RAIL, CYCLE_I_STUCK, CYCLE_NAN, CYCLE_V_RAIL, CYCLE_V_STUCK } from '../metering/readings';
import type { Actuator } from './breaker';
import { Breaker } from './breaker';
import { DelayElement, VoltageElements } from './elements';
import { InverseTimeElement } from './inverse-time';
import type { ProtectionSettings } from './settings';
import { TripLog } from './trip-log';
import { num } from '../util/fmt';

/** consecutive bad cycles (rail or stuck) before the V/I sensor is declared faulty: 0.5 s */
const SENSOR_BAD_CYCLES = 25;
/** consecutive bad slow readings (1 Hz) before NTC/MQ-6 is declared faulty */
const SLOW_BAD_READINGS = 2;
/** after boot the supply must look healthy this long before the first close */
const BOOT_CLOSE_US = 2e6;

export interface SlowReadings {
  tempC: number;
  tempOk: boolean;
  gasPpm: number;
  gasOk: boolean; // false while warming up or faulty
  gasFault: boolean;
  tempFault: boolean;
}

export class Protection {
  readonly breaker: Breaker;
  readonly log = new TripLog(32);
  readonly voltage = new VoltageElements();
  readonly overload = new InverseTimeElement();
  readonly power = new DelayElement(1);
  readonly gas = new DelayElement(1);
  readonly temp = new DelayElement(1);
  /** last readings, for trip records */
  vrms = 0;
  irms = 0;
  p = 0;
  iPeak = 0;
  slow: SlowReadings = { tempC: 0 / 0, tempOk: false, gasPpm: 0 / 0, gasOk: false, gasFault: false, tempFault: false };
  /** the comparator has fired and its output has not been seen low since (clearComparator) */
  private comparatorFired = false;
  energyTodayWh = 0;
  private badCycles = 0;
  private badTemp = 0;
  private badGas = 0;
  sensorDetail = '';

  constructor(
    public settings: ProtectionSettings,
    act: Actuator,
  ) {
    this.breaker = new Breaker(act);
    this.breaker.awaitBootClose();
  }

  private doTrip(reason: string, detail: string, tUs: number): void {
    const s = this.settings;
    const latchedAlready = this.breaker.isLatched();
    const state = this.breaker.trip(reason, tUs, s.recloseOnPower === 1, s.lockoutTrips, s.lockoutWindowMs * 1000);
    // the relays were re-commanded open; a latched trip is recorded once
    if (latchedAlready) return;
    this.log.add({
      seq: 0,
      tUs: tUs,
      reason: reason,
      detail: detail,
      vrms: this.vrms,
      irms: this.irms,
      p: this.p,
      iPeak: this.iPeak,
      tempC: this.slow.tempC,
      state: state,
      gasPpm: this.slow.gasOk ? this.slow.gasPpm : 0 / 0,
      gas: this.slow.gasOk ? 'ok' : this.slow.gasFault ? 'fault' : 'warming',
    });
  }

  /** Has the comparator fired without its output being seen low since? (blocks a reset) */
  get comparatorActive(): boolean {
    return this.comparatorFired;
  }

  /** The comparator output reads low again (its latch re-armed, or the edge gone): a reset may proceed. */
  clearComparator(): void {
    this.comparatorFired = false;
  }

  /** hardware comparator edge (over-current far beyond the CT's linear range) */
  onComparator(tUs: number): void {
    this.comparatorFired = true;
    this.doTrip('comparator', 'hardware comparator', tUs);
  }

  onPeak(iAmps: number, tUs: number): void {
    this.iPeak = iAmps;
    this.doTrip('overcurrent', `peak ${num(iAmps)} A`, tUs);
  }

  onHalfCycle(vrms: number, tUs: number): void {
    const why = this.voltage.onHalfCycle(vrms, tUs, this.settings);
    if (why !== '' && this.breaker.state === 'closed') {
      this.vrms = vrms;
      this.doTrip(why, `half-cycle ${num(vrms)} V`, tUs);
    }
  }

  onCycle(r: CycleReading, energyTodayWh: number): void {
    const s = this.settings;
    const t = r.tUs;
    this.vrms = r.vrms;
    this.irms = r.irms;
    this.p = r.p;
    if (r.iPeak > this.iPeak || this.breaker.state === 'closed') this.iPeak = r.iPeak;
    this.energyTodayWh = energyTodayWh;
    this.superviseMains(r.flags, t);
    if (this.overload.onCycle(r.irms, r.durationS, t, s)) this.doTrip('overload', `Irms ${num(r.irms)} A`, t);
    const closed = this.breaker.state === 'closed';
    if (this.power.update(r.p, s.maxPowerW, s.maxPowerW, s.maxPowerHoldMs * 1000, t) && closed) this.doTrip('overpower', `P ${num(Math.floor(r.p))} W`, t);
    if (s.maxEnergyWhDay > 0 && energyTodayWh > s.maxEnergyWhDay && this.breaker.state === 'closed')
      this.doTrip('energycap', `today ${num(Math.floor(energyTodayWh))} Wh`, t);
    this.tickReclose(r, t);
  }

  private superviseMains(flags: number, t: number): void {
    if ((flags & CYCLE_NAN) !== 0) {
      this.sensorDetail = 'ADC driver returned NaN';
      this.doTrip('sensor', this.sensorDetail, t);
      return;
    }
    const bad = flags & (CYCLE_V_RAIL | CYCLE_I_RAIL | CYCLE_V_STUCK | CYCLE_I_STUCK);
    if (bad === 0) {
      this.badCycles = 0;
      return;
    }
    this.badCycles++;
    if (this.badCycles >= SENSOR_BAD_CYCLES) {
      const v = (flags & (CYCLE_V_RAIL | CYCLE_V_STUCK)) !== 0;
      const rail = (flags & (CYCLE_V_RAIL | CYCLE_I_RAIL)) !== 0;
      this.sensorDetail = `${v ? 'voltage' : 'current'} channel ${rail ? 'stuck at a rail' : 'stuck (no ADC noise)'}`;
      this.doTrip('sensor', this.sensorDetail, t);
    }
  }

  private tickReclose(r: CycleReading, t: number): void {
    const b = this.breaker;
    if (b.state !== 'reclosing') return;
    const s = this.settings;
    let clear = this.voltage.healthy(r.vrms, s) && this.sensorsHealthy();
    if (b.reason === 'energycap') clear = this.energyTodayWh < s.maxEnergyWhDay;
    if (b.reason === 'overpower') clear = r.p < s.maxPowerW;
    // a cold MQ-6 cannot see a leak (its readings are ignored while it warms up): with
    // gasBootHold the first close waits for it, for homes with an indoor LPG cylinder
    if (b.reason === 'boot' && s.gasBootHold === 1 && !this.slow.gasOk) clear = false;
    const delay = b.reason === 'boot' ? BOOT_CLOSE_US : s.recloseDelayMs * 1000;
    if (b.tickReclose(clear, t, delay)) {
      this.voltage.over.clear();
      this.voltage.under.clear();
      this.power.clear();
    }
  }

  /** block-rate duties: the overload deadline inside a cycle */
  onBlockEnd(tUs: number): void {
    if (this.overload.due(tUs)) {
      this.overload.deadlineUs = -1;
      this.doTrip('overload', `Irms ${num(this.irms)} A`, tUs);
    }
  }

  onSlow(r: SlowReadings, tUs: number): void {
    this.slow = r;
    const s = this.settings;
    this.badTemp = r.tempFault ? this.badTemp + 1 : 0;
    this.badGas = r.gasFault ? this.badGas + 1 : 0;
    if (this.badTemp >= SLOW_BAD_READINGS || this.badGas >= SLOW_BAD_READINGS) {
      this.sensorDetail = this.badTemp >= SLOW_BAD_READINGS ? 'temperature sensor open or shorted' : 'gas sensor open or shorted';
      this.doTrip('sensor', this.sensorDetail, tUs);
    }
    if (r.gasOk && this.gas.update(r.gasPpm, s.gasTripPpm, s.gasTripPpm * 0.8, s.gasPickupMs * 1000, tUs))
      this.doTrip('gas', `${num(Math.floor(r.gasPpm))} ppm LPG`, tUs);
    if (r.tempOk && this.temp.update(r.tempC, s.tempTripC, s.tempTripC - 5, s.tempPickupMs * 1000, tUs)) this.doTrip('temperature', `${num(r.tempC)} C`, tUs);
  }

  sensorsHealthy(): boolean {
    return this.badCycles === 0 && this.badTemp === 0 && this.badGas === 0;
  }

  /** Is the cause of the present trip gone? (for a local reset) */
  causeClear(): boolean {
    const s = this.settings;
    const why = this.breaker.reason;
    if (this.comparatorFired || !this.sensorsHealthy()) return false;
    if (why === 'gas') return this.slow.gasOk && this.slow.gasPpm < s.gasTripPpm * 0.8;
    if (why === 'temperature') return this.slow.tempOk && this.slow.tempC < s.tempTripC - 5;
    if (why === 'energycap') return this.energyTodayWh < s.maxEnergyWhDay || s.maxEnergyWhDay === 0;
    return true;
  }

  /** Local reset (console with credential, or button). */
  reset(tUs: number): string {
    const r = this.breaker.localReset(this.causeClear(), tUs);
    if (r === 'ok') {
      this.overload.reset();
      this.voltage.over.clear();
      this.voltage.under.clear();
      this.power.clear();
      this.gas.clear();
      this.temp.clear();
    }
    return r;
  }
}
