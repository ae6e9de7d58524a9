// The meter node's start-up on the Moddable SDK with the native host modules
// (tools/build/moddable.ts, option `native`): the same ECMA-419 provider as
// firmware/app/main-moddable.ts, with two parts swapped:
//   - io.ContinuousAdc is the native adc_continuous module (hal/moddable/continuous-adc.ts),
//     so the board's own rate (4 kHz on the DevKitC meter) is kept: no polledBoard();
//   - on a board with comparatorPath "native-isr", the Digital that NodeCore opens on the
//     comparator pin is the native trip ISR (hal/moddable/trip-isr.ts).
// The native classes are passed in by the generated main.js, which imports them by their
// manifest names ("meter/native/adc-continuous", "meter/native/trip-isr"); taking them as
// arguments keeps this module free of host functions (preloadable, testable on the host).
import type { BoardDescription } from '../../../boards/board';
import type * as io from '../../io';
import { createDevice } from '../device';
import { NativeContinuousAdc, type NativeAdcClass } from '../continuous-adc';
import { TripIsrDigital, type NativeTripClass } from '../trip-isr';
import { MeterNode } from '../../../firmware/app/meter-node';
import { tripLine } from '../../../firmware/app/main-moddable';
import type { TripEvent } from '../../../firmware/protection/trip-log';

export interface NativeClasses {
  Adc: NativeAdcClass;
  Trip: NativeTripClass;
}

/** Swaps the native pieces into a Device made by `base` (createDevice on the board). */
export function withNative(device: io.Device, board: BoardDescription, natives: NativeClasses): io.Device {
  const Adc = natives.Adc;
  class Continuous extends NativeContinuousAdc {
    constructor(o: io.ContinuousAdcOptions) {
      super(o, Adc);
    }
  }
  device.io.ContinuousAdc = Continuous;
  const fe = board.frontend;
  if (fe !== undefined && fe.comparatorPath === 'native-isr' && board.pins.comparator !== undefined) {
    const pins = board.pins;
    const relays: number[] = [pins.relayMain];
    if (pins.relayAux !== undefined) relays.push(pins.relayAux);
    const activeHigh = board.relay === undefined ? true : board.relay.activeHigh;
    const Base = device.io.Digital;
    const Trip = natives.Trip;
    const comparator = pins.comparator;
    class Digital implements io.Digital {
      private readonly d: io.Digital;
      constructor(o: io.DigitalOptions) {
        this.d = o.pin === comparator && o.onReadable !== undefined ? new TripIsrDigital(o, relays, activeHigh ? 0 : 1, Trip) : new Base(o);
      }
      read(): number {
        return this.d.read();
      }
      write(v: number): void {
        this.d.write(v);
      }
      close(): void {
        this.d.close();
      }
    }
    device.io.Digital = Digital;
  }
  return device;
}

/** Boot the meter node on the Moddable provider with the native ADC and trip ISR. */
export function startMeterNative(board: BoardDescription, log: (line: string) => void, natives: NativeClasses): MeterNode {
  if (board.role !== 'meter') throw new Error('board ' + board.name + ': role must be "meter" for the meter app, got "' + board.role + '"');
  const device = withNative(createDevice(board), board, natives);
  const node = new MeterNode(device, board, {
    onTrip: function (e: TripEvent): void {
      log(tripLine(e));
    },
    onRestart: function (): void {
      log('restart requested: power-cycle the node');
    },
  });
  log('adc: native adc_continuous at ' + board.adc.rateHz + ' pairs/s in blocks of ' + board.adc.blockPairs);
  log('meter node up on ' + board.name + (node.restored.length > 0 ? ' (restored: ' + node.restored.join(', ') + ')' : ''));
  return node;
}
