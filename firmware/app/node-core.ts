// The protection core of a meter node, wired to a Device: relays, comparator and its
// latch, the continuous ADC, metering, protection, NTC and MQ-6. Both composition roots
// use it (MeterNode for XS and Espruino, LuaMeterNode for NodeMCU), so the code that
// trips a relay is the same on every target. Written in the Lua subset (no typed
// arrays, explicit compares).
//
// What runs where:
//   ADC block            -> MainsMeter.processBlock -> Protection (peaks, half cycles, cycles)
//                        -> Protection.onBlockEnd (the overload deadline)
//   comparator edge      -> relays open at once, then Protection.onComparator
//   1 Hz timer           -> NTC + MQ-6 -> Protection.onSlow
//   Protection's actuator-> every relay GPIO
//
// Hooks are untrusted: protection runs first, and a hook (or a meter listener) that throws
// is caught and counted (`listenerErrors()`), so no listener can stop protection.
import type { BoardDescription } from '../../boards/board';
import type { ContinuousAdc, Device, Digital } from '../../hal/io';
import { EDGE_RISING } from '../../hal/io';
import { MainsMeter } from '../metering/mains-meter';
import type { GasReading, Mq6Setup } from '../metering/mq6';
import { readMq6 } from '../metering/mq6';
import type { NtcDivider, NtcReading, SteinhartHart } from '../metering/ntc';
import { readNtc, steinhartFromBeta } from '../metering/ntc';
import type { CycleReading } from '../metering/readings';
import { Protection } from '../protection/protection';
import type { ProtectionSettings } from '../protection/settings';
import { configureMeter } from '../protection/settings';
import type { TripEvent } from '../protection/trip-log';

const SLOW_PERIOD_US = 1e6;
/** MQ-6 datasheet LPG curve slope on log-log axes (firmware/metering/mq6.ts) */
const MQ6_SLOPE = -0.42;
/** the NTC divider's supply: the ESP32's 3.3 V rail */
const NTC_SUPPLY_V = 3.3;
/** contact release time when the board does not give one (small PCB relays: 5-10 ms) */
const DEFAULT_RELEASE_MS = 10;
/** after the release, one more 50 Hz cycle before the current counts as zero (arcing, bounce) */
const ZERO_SETTLE_US = 20e3;

export interface NodeCoreHooks {
  onCycle(r: CycleReading): void;
  onTrip(e: TripEvent): void;
}

export class NodeCore {
  readonly meter: MainsMeter;
  readonly protection: Protection;
  readonly bootUs: number;
  readonly ntc: NtcReading = { celsius: 0 / 0, status: 'invalid' };
  readonly gas: GasReading = { ppm: 0 / 0, ratio: 0 / 0, status: 'invalid' };
  private readonly relays: Digital[] = [];
  private readonly comparator: Digital | undefined;
  private readonly latchReset: Digital | undefined;
  private readonly ntcDivider: NtcDivider;
  private readonly ntcCurve: SteinhartHart;
  private readonly mq6: Mq6Setup;
  private readonly activeHigh: boolean;
  private readonly sampler: ContinuousAdc;
  private readonly ntcPin: { read(): number } | undefined;
  private readonly gasPin: { read(): number } | undefined;
  private readonly rateHz: number;
  private readonly releaseUs: number;
  private hookErrors = 0;

  constructor(
    readonly device: Device,
    board: BoardDescription,
    readonly settings: ProtectionSettings,
    hooks: NodeCoreHooks,
  ) {
    const adc = board.adc;
    const fe = board.frontend;
    const cal = board.calibration;
    if (fe === undefined || cal === undefined) throw new Error('board ' + board.name + ': a meter node needs "frontend" and "calibration"');
    this.bootUs = device.clock.now();
    this.rateHz = adc.rateHz;
    this.activeHigh = board.relay === undefined ? true : board.relay.activeHigh;
    this.releaseUs = (board.relay === undefined ? DEFAULT_RELEASE_MS : board.relay.releaseMs) * 1000 + ZERO_SETTLE_US;
    const pins = device.pin;
    this.relays.push(new device.io.Digital({ pin: pins.relayMain, mode: 'output' }));
    if (pins.relayAux !== undefined) this.relays.push(new device.io.Digital({ pin: pins.relayAux, mode: 'output' }));
    this.writeRelays(false);
    this.protection = new Protection(settings, {
      open: () => this.writeRelays(false),
      close: () => this.writeRelays(true),
    });
    this.protection.log.listener = (e: TripEvent) => {
      try {
        hooks.onTrip(e);
      } catch (err) {
        this.hookErrors++;
      }
    };
    this.meter = new MainsMeter(
      {
        rateHz: adc.rateHz,
        bits: adc.bits,
        blockPairs: adc.blockPairs,
        cal: { vGain: cal.vGain, iGain: cal.iGain, phaseShift: cal.phaseShift },
        // 10 V of hysteresis on the zero-crossing detector, in codes
        hystCodes: 10 / cal.vGain,
        minHz: 40,
        maxHz: 70,
        iPassesDc: fe.iSensor === 'shunt' || fe.iSensor === 'hall',
      },
      {
        onCycle: (r) => {
          this.protection.onCycle(r, this.meter.energy.todayWh);
          try {
            hooks.onCycle(r);
          } catch (err) {
            this.hookErrors++;
          }
        },
        onHalfCycle: (v, t) => this.protection.onHalfCycle(v, t),
        onPeak: (i, t) => this.protection.onPeak(i, t),
      },
    );
    // the relays were opened above, before any sample: the first cycles measure the I offset.
    // At boot they have been open since the reset (the GPIOs float, the coils drop out while
    // the ESP32 boots), so no release time is waited for
    this.meter.currentStopped(this.bootUs);
    this.applyCodes();
    this.ntcDivider = {
      fullScaleVolts: adc.fullScaleVolts,
      bits: adc.bits,
      supplyVolts: NTC_SUPPLY_V,
      seriesOhms: fe.ntc.seriesOhms,
      ntcToGround: fe.ntc.ntcToGround,
    };
    this.ntcCurve = steinhartFromBeta(fe.ntc.r0, fe.ntc.t0C, fe.ntc.beta);
    this.mq6 = {
      fullScaleVolts: adc.fullScaleVolts,
      bits: adc.bits,
      supplyVolts: fe.mq6.supplyVolts,
      loadOhms: fe.mq6.loadOhms,
      r0Ohms: fe.mq6.r0Ohms,
      dividerRatio: fe.mq6.dividerRatio,
      warmupS: fe.mq6.heaterWarmupS,
      slope: MQ6_SLOPE,
    };
    this.ntcPin = pins.ntc !== undefined ? new device.io.Analog({ pin: pins.ntc }) : undefined;
    this.gasPin = pins.gas !== undefined ? new device.io.Analog({ pin: pins.gas }) : undefined;
    if (pins.latchReset !== undefined) this.latchReset = new device.io.Digital({ pin: pins.latchReset, mode: 'output' });
    if (pins.comparator !== undefined) {
      this.comparator = new device.io.Digital({
        pin: pins.comparator,
        mode: 'input',
        edge: EDGE_RISING,
        // nothing is queued ahead of this: the relay write comes first, then the record
        onReadable: () => {
          this.writeRelays(false);
          this.protection.onComparator(device.clock.now());
        },
      });
    }
    const ts = 1e6 / adc.rateHz;
    const pairs = adc.blockPairs;
    this.sampler = new device.io.ContinuousAdc({
      pins: [pins.adcV, pins.adcI],
      rateHz: adc.rateHz,
      blockPairs: pairs,
      onBlock: (b, t) => {
        this.meter.processBlock(b, pairs, t);
        this.protection.onBlockEnd(t + pairs * ts);
      },
    });
  }

  /** Start sampling and the 1 Hz sensors (after the composer has restored state). */
  start(): void {
    // a missing sensor pin reads as a NaN code: the reading is 'invalid' and the element
    // supervising it goes fail-safe, rather than the node silently not watching
    this.device.timer.set(
      () => {
        const n = this.ntcPin;
        const g = this.gasPin;
        this.readSlow(n !== undefined ? n.read() : 0 / 0, g !== undefined ? g.read() : 0 / 0);
      },
      SLOW_PERIOD_US,
      SLOW_PERIOD_US,
    );
    this.sampler.start();
  }

  private writeRelays(closed: boolean): void {
    const level = closed === this.activeHigh ? 1 : 0;
    for (let k = 0; k < this.relays.length; k++) this.relays[k].write(level);
    // the meter learns when no current flows (its I offset is measured then); it does not
    // exist yet during the first call, from the constructor
    const m = this.meter;
    if (m === undefined) return;
    if (closed) m.currentMayFlow();
    else m.currentStopped(this.device.clock.now() + this.releaseUs);
  }

  /** Listener and hook calls that threw (caught and counted; protection carried on). */
  listenerErrors(): number {
    return this.hookErrors + this.meter.listenerErrors;
  }

  /** Settings and gains in ADC codes for the per-sample and per-block checks. */
  applyCodes(): void {
    configureMeter(this.meter, this.settings, this.rateHz);
  }

  private readSlow(ntcCode: number, gasCode: number): void {
    const now = this.device.clock.now();
    readNtc(ntcCode, this.ntcDivider, this.ntcCurve, this.ntc);
    readMq6(gasCode, (now - this.bootUs) / 1e6, this.mq6, this.gas);
    const t = this.ntc.status;
    const g = this.gas.status;
    this.protection.onSlow(
      {
        tempC: this.ntc.celsius,
        tempOk: t === 'ok',
        tempFault: t !== 'ok',
        gasPpm: this.gas.ppm,
        gasOk: g === 'ok',
        gasFault: g !== 'ok' && g !== 'warming',
      },
      now,
    );
  }

  /** Local reset on the spot: re-arms the comparator latch first, then the breaker. */
  reset(): string {
    const c = this.comparator;
    if (this.protection.comparatorActive && this.latchReset !== undefined && c !== undefined) {
      this.latchReset.write(1);
      this.latchReset.write(0);
      if (c.read() === 0) this.protection.clearComparator();
    } else if (c !== undefined && c.read() === 0) this.protection.clearComparator();
    return this.protection.reset(this.device.clock.now());
  }

  /** Manual on/off: closes only from the plain 'open' state, never over a trip. */
  relay(on: boolean): string {
    return this.protection.breaker.command(on, this.device.clock.now());
  }

  overruns(): number {
    return this.sampler.overruns;
  }
}
