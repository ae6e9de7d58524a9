// The NodeMCU-Lua meter node: a smaller composition root than MeterNode, for the Lua build
// (its board program is targets/nodemcu/main.ts; tools/build/lua.ts compiles that, and
// everything it imports, with typescript-to-lua into build/lua/<board>/app.lua).
//
// It wires the same protection core as MeterNode (node-core.ts: metering, protection,
// relays, comparator, NTC, MQ-6), so a trip decision is the same code on every target.
// What it leaves out, and why: MeterNode's flash records (firmware/store) and the
// technician console are built on Uint8Array, which Lua does not have; on NodeMCU the
// Lua REPL on UART0 is the console (`meter.status()`, `meter.reset()`, ...), and a
// latched trip does not survive a power cut (the breaker boots open and waits for
// healthy mains, see Protection). docs/BUILD-LUA.md lists the gaps.
//
// Written in the Lua subset (docs/PORTABLE-SUBSET.md §2): explicit compares, no typed
// arrays, times as floats.
import type { BoardDescription } from '../../boards/board';
import type { Device } from '../../hal/io';
import type { MainsMeter } from '../metering/mains-meter';
import type { CycleReading } from '../metering/readings';
import type { Protection } from '../protection/protection';
import type { ProtectionSettings } from '../protection/settings';
import { applySettings, defaultSettings } from '../protection/settings';
import type { TripEvent } from '../protection/trip-log';
import { NodeCore } from './node-core';

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
  /** listener and hook calls that threw (caught; protection carried on) */
  listenerErrors: number;
}

export class LuaMeterNode {
  readonly core: NodeCore;
  readonly settings: ProtectionSettings;
  cycles = 0;
  private last: CycleReading | undefined = undefined;

  /** `log` receives one line per trip (NodeMCU: `print`, which goes to UART0). */
  constructor(
    readonly device: Device,
    readonly board: BoardDescription,
    log: ((line: string) => void) | undefined,
  ) {
    this.settings = defaultSettings();
    this.core = new NodeCore(device, board, this.settings, {
      onCycle: (r: CycleReading) => {
        this.cycles = this.cycles + 1;
        this.last = r;
      },
      onTrip: (e: TripEvent) => {
        if (log !== undefined) log('TRIP ' + e.reason + ' -> ' + e.state + ' (' + e.detail + ')');
      },
    });
    this.core.start();
  }

  get meter(): MainsMeter {
    return this.core.meter;
  }

  get protection(): Protection {
    return this.core.protection;
  }

  /** Change protection settings (from the REPL: `meter:configure({ uvPickupMs = 0 })`).
   *  '' when applied, else the error naming the field and its range. Not persisted. */
  configure(change: Record<string, number>): string {
    const r = applySettings(this.settings, change);
    if (!r.ok) return r.error;
    this.core.applyCodes();
    return '';
  }

  /** Local reset (on the spot): re-arms the comparator latch first, as MeterNode.reset. */
  reset(): string {
    return this.core.reset();
  }

  /** Manual on/off: closes only from the plain 'open' state, never over a trip. */
  relay(on: boolean): string {
    return this.core.relay(on);
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
      tempC: this.core.ntc.celsius,
      gasPpm: this.core.gas.ppm,
      trips: this.protection.log.seq,
      cycles: this.cycles,
      overruns: this.core.overruns(),
      listenerErrors: this.core.listenerErrors(),
    };
  }

  trips(): TripEvent[] {
    return this.protection.log.list();
  }
}
