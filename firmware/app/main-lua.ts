// The NodeMCU-Lua meter node: a smaller composition root than MeterNode, for the Lua build
// (tools/build/lua.ts compiles this file, and everything it imports, with
// typescript-to-lua into build/lua/<board>/app.lua).
//
// What it wires (the same objects MeterNode wires, so a trip decision is the same code):
//   polled V/I ADC blocks -> MainsMeter -> Protection (peaks, half cycles, cycles, blocks)
//   comparator edge       -> relays open at once, then Protection.onComparator
//   1 Hz NTC + MQ-6       -> Protection.onSlow
//   Protection's actuator -> every relay GPIO
// What it leaves out, and why: MeterNode's flash records (firmware/store) and the
// technician console are built on Uint8Array, which Lua does not have; on NodeMCU the
// Lua REPL on UART0 is the console (`meter.status()`, `meter.reset()`, ...), and a
// latched trip does not survive a power cut (the breaker boots open and waits for
// healthy mains, see Protection). docs/BUILD-LUA.md lists the gaps.
//
// Written in the Lua subset (docs/PORTABLE-SUBSET.md §2): explicit compares, no typed
// arrays, times as floats.
import type { BoardDescription } from '../../boards/board';
import type { Device, Digital } from '../../hal/io';
import { EDGE_RISING } from '../../hal/io';
import { createDevice } from '../../hal/nodemcu/device';
import { MainsMeter } from '../metering/mains-meter';
import type { GasReading, Mq6Setup } from '../metering/mq6';
import { readMq6 } from '../metering/mq6';
import type { NtcDivider, NtcReading, SteinhartHart } from '../metering/ntc';
import { readNtc, steinhartFromBeta } from '../metering/ntc';
import type { CycleReading } from '../metering/readings';
import type { Actuator } from '../protection/breaker';
import { Protection } from '../protection/protection';
import type { ProtectionSettings } from '../protection/settings';
import { applySettings, defaultSettings } from '../protection/settings';
import type { TripEvent } from '../protection/trip-log';

/** Lua's `require` inside the typescript-to-lua bundle: it resolves the bundle's own modules. */
/** @customName require */
declare function bundleRequire(this: void, name: string): unknown;

const SLOW_PERIOD_US = 1e6;

export interface LuaNodeStatus {
  state: string;
  reason: string;
  vrms: number;
  irms: number;
  p: number;
  freqHz: number;
  importWh: number;
  exportWh: number;
  tempC: number;
  gasPpm: number;
  trips: number;
  cycles: number;
  overruns: number;
}

export class LuaMeterNode {
  readonly meter: MainsMeter;
  readonly protection: Protection;
  readonly settings: ProtectionSettings;
  readonly bootUs: number;
  readonly ntc: NtcReading = { celsius: 0 / 0, status: 'invalid' };
  readonly gas: GasReading = { ppm: 0 / 0, ratio: 0 / 0, status: 'invalid' };
  cycles = 0;
  private readonly relays: Digital[] = [];
  private readonly comparator: Digital | undefined;
  private readonly latchReset: Digital | undefined;
  private readonly ntcDivider: NtcDivider;
  private readonly ntcCurve: SteinhartHart;
  private readonly mq6: Mq6Setup;
  private readonly activeHigh: boolean;
  private readonly overrunsOf: () => number;
  private last: CycleReading | undefined = undefined;

  /** `log` receives one line per trip (NodeMCU: `print`, which goes to UART0). */
  constructor(readonly device: Device, readonly board: BoardDescription, log: ((line: string) => void) | undefined) {
    const adc = board.adc;
    const fe = board.frontend;
    const cal = board.calibration;
    if (fe === undefined || cal === undefined) throw new Error('board ' + board.name + ': a meter node needs "frontend" and "calibration"');
    this.bootUs = device.clock.now();
    this.settings = defaultSettings();
    this.activeHigh = board.relay === undefined ? true : board.relay.activeHigh;
    const pins = device.pin;
    this.relays.push(new device.io.Digital({ pin: pins.relayMain, mode: 'output' }));
    if (pins.relayAux !== undefined) this.relays.push(new device.io.Digital({ pin: pins.relayAux, mode: 'output' }));
    this.writeRelays(false);
    const act: Actuator = {
      open: () => this.writeRelays(false),
      close: () => this.writeRelays(true),
    };
    this.protection = new Protection(this.settings, act);
    this.protection.log.listener = (e: TripEvent) => {
      if (log !== undefined) log('TRIP ' + e.reason + ' -> ' + e.state + ' (' + e.detail + ')');
    };
    this.meter = new MainsMeter(
      {
        rateHz: adc.rateHz, bits: adc.bits, blockPairs: adc.blockPairs,
        cal: { vGain: cal.vGain, iGain: cal.iGain, phaseShift: cal.phaseShift },
        // 10 V of hysteresis on the zero-crossing detector, in codes (as MeterNode)
        hystCodes: 10 / cal.vGain, minHz: 40, maxHz: 70,
      },
      {
        onCycle: (r) => this.onCycle(r),
        onHalfCycle: (v, t) => this.protection.onHalfCycle(v, t),
        onPeak: (i, t) => this.protection.onPeak(i, t),
      },
    );
    this.applyOcPickup();
    this.ntcDivider = {
      fullScaleVolts: adc.fullScaleVolts, bits: adc.bits, supplyVolts: 3.3,
      seriesOhms: fe.ntc.seriesOhms, ntcToGround: fe.ntc.ntcToGround,
    };
    this.ntcCurve = steinhartFromBeta(fe.ntc.r0, fe.ntc.t0C, fe.ntc.beta);
    this.mq6 = {
      fullScaleVolts: adc.fullScaleVolts, bits: adc.bits, supplyVolts: fe.mq6.supplyVolts,
      loadOhms: fe.mq6.loadOhms, r0Ohms: fe.mq6.r0Ohms, dividerRatio: fe.mq6.dividerRatio,
      warmupS: fe.mq6.heaterWarmupS, slope: -0.42,
    };
    const ntcPin = pins.ntc !== undefined ? new device.io.Analog({ pin: pins.ntc }) : undefined;
    const gasPin = pins.gas !== undefined ? new device.io.Analog({ pin: pins.gas }) : undefined;
    if (pins.latchReset !== undefined) this.latchReset = new device.io.Digital({ pin: pins.latchReset, mode: 'output' });
    if (pins.comparator !== undefined) {
      this.comparator = new device.io.Digital({
        pin: pins.comparator, mode: 'input', edge: EDGE_RISING,
        // the relay write comes first, then the record (as MeterNode)
        onReadable: () => {
          this.writeRelays(false);
          this.protection.onComparator(device.clock.now());
        },
      });
    }
    const ts = 1e6 / adc.rateHz;
    const pairs = adc.blockPairs;
    const sampler = new device.io.ContinuousAdc({
      pins: [pins.adcV, pins.adcI], rateHz: adc.rateHz, blockPairs: pairs,
      onBlock: (b, t) => {
        this.meter.processBlock(b, pairs, t);
        this.protection.onBlockEnd(t + pairs * ts);
      },
    });
    this.overrunsOf = () => sampler.overruns;
    // a missing sensor pin reads as a NaN code: the reading is 'invalid' and the element
    // supervising it goes fail-safe, rather than the node silently not watching
    device.timer.set(() => this.readSlow(ntcPin !== undefined ? ntcPin.read() : 0 / 0, gasPin !== undefined ? gasPin.read() : 0 / 0), SLOW_PERIOD_US, SLOW_PERIOD_US);
    sampler.start();
  }

  private writeRelays(closed: boolean): void {
    const level = closed === this.activeHigh ? 1 : 0;
    for (let k = 0; k < this.relays.length; k++) this.relays[k].write(level);
  }

  private applyOcPickup(): void {
    this.meter.ocCodes = this.settings.ocPeakA / this.meter.cal.iGain;
    this.meter.ocConfirm = this.settings.ocConfirmSamples;
  }

  private onCycle(r: CycleReading): void {
    this.cycles = this.cycles + 1;
    this.last = r;
    this.protection.onCycle(r, this.meter.energy.todayWh);
  }

  private readSlow(ntcCode: number, gasCode: number): void {
    const now = this.device.clock.now();
    readNtc(ntcCode, this.ntcDivider, this.ntcCurve, this.ntc);
    readMq6(gasCode, (now - this.bootUs) / 1e6, this.mq6, this.gas);
    const t = this.ntc.status;
    const g = this.gas.status;
    this.protection.onSlow({
      tempC: this.ntc.celsius, tempOk: t === 'ok', tempFault: t !== 'ok',
      gasPpm: this.gas.ppm, gasOk: g === 'ok', gasFault: g !== 'ok' && g !== 'warming',
    }, now);
  }

  /** Change protection settings (from the REPL: `meter:configure({ uvPickupMs = 0 })`).
   *  '' when applied, else the error naming the field and its range. Not persisted. */
  configure(change: Record<string, number>): string {
    const r = applySettings(this.settings, change);
    if (!r.ok) return r.error;
    this.applyOcPickup();
    return '';
  }

  /** Local reset (on the spot): re-arms the comparator latch first, as MeterNode.reset. */
  reset(): string {
    if (this.protection.comparatorActive && this.latchReset !== undefined && this.comparator !== undefined) {
      this.latchReset.write(1);
      this.latchReset.write(0);
      if (this.comparator.read() === 0) this.protection.comparatorActive = false;
    } else if (this.comparator !== undefined && this.comparator.read() === 0) this.protection.comparatorActive = false;
    return this.protection.reset(this.device.clock.now());
  }

  /** Manual on/off: closes only from the plain 'open' state, never over a trip. */
  relay(on: boolean): string {
    return this.protection.breaker.command(on, this.device.clock.now());
  }

  status(): LuaNodeStatus {
    const r = this.last;
    const e = this.meter.energy;
    return {
      state: this.protection.breaker.state,
      reason: this.protection.breaker.reason,
      vrms: r !== undefined ? r.vrms : 0,
      irms: r !== undefined ? r.irms : 0,
      p: r !== undefined ? r.p : 0,
      freqHz: r !== undefined ? r.freqHz : 0,
      importWh: e.importWh,
      exportWh: e.exportWh,
      tempC: this.ntc.celsius,
      gasPpm: this.gas.ppm,
      trips: this.protection.log.seq,
      cycles: this.cycles,
      overruns: this.overrunsOf(),
    };
  }

  trips(): TripEvent[] {
    return this.protection.log.list();
  }
}

/** init.lua calls this once the boot window has passed: the node on the NodeMCU provider. */
export function start(board: BoardDescription, log: ((line: string) => void) | undefined): LuaMeterNode {
  return new LuaMeterNode(createDevice(board), board, log);
}

/** A module of this bundle by its name (e.g. 'firmware.protection.settings'), for the REPL
 *  and for the host test that runs the parity vectors through the built app.lua. */
export function bundled(name: string): unknown {
  return bundleRequire(name);
}
