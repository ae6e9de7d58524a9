// Swaps the native pieces into a hal/io Device (used by targets/moddable-native/main.ts on the device and
// by host-tests/moddable-native.test.ts on the simulated board):
//   - io.ContinuousAdc becomes NativeContinuousAdc over the native adc_continuous class;
//   - on a board with comparatorPath "native-isr", the Digital NodeCore opens on the
//     comparator pin (the one with onReadable) becomes TripIsrDigital over the native ISR.
// No SDK imports here, so it runs under Node with fake native classes.
import type { BoardDescription } from '../../../boards/board';
import { withAdc } from '../board-adc';
import type * as io from '../../io';
import { NativeContinuousAdc, planContinuousAdc, type NativeAdcClass } from '../continuous-adc';
import { TripIsrDigital, type NativeTripClass } from '../trip-isr';

export interface NativeClasses {
  Adc: NativeAdcClass;
  Trip: NativeTripClass;
}

/** A Device like `device` with the native pieces swapped in (`device` is left as it is). */
export function withNative(device: io.Device, board: BoardDescription, natives: NativeClasses): io.Device {
  const Adc = natives.Adc;
  class Continuous extends NativeContinuousAdc {
    constructor(o: io.ContinuousAdcOptions) {
      super(o, Adc);
    }
  }
  const base = device.io;
  const ioOut: io.Device['io'] = {
    Analog: base.Analog,
    Digital: base.Digital,
    ContinuousAdc: Continuous,
    Serial: base.Serial,
    SPI: base.SPI,
  };
  const fe = board.frontend;
  if (fe !== undefined && fe.comparatorPath === 'native-isr' && board.pins.comparator !== undefined) {
    const pins = board.pins;
    const relays: number[] = [pins.relayMain];
    if (pins.relayAux !== undefined) relays.push(pins.relayAux);
    const activeHigh = board.relay === undefined ? true : board.relay.activeHigh;
    const Base = base.Digital;
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
    ioOut.Digital = Digital;
  }
  return { io: ioOut, pin: device.pin, clock: device.clock, timer: device.timer, store: device.store };
}

/**
 * The board as the native build runs it: adc.skewUs is the native converter's V->I skew
 * (one conversion at the decimated aggregate rate: 41.7 µs at 4 kHz, D = 3, not the 125 µs
 * of a plain 8 kHz scan), and calibration.phaseShift (samples by which I lags V: ADC skew
 * minus CT lead, firmware/metering/mains-meter.ts) moves by the change in skew, so the CT's
 * share of it is kept. A calibration stored on the node (PowerSet) still overrides it.
 * Other fields are shared, not copied.
 */
export function nativeBoard(board: BoardDescription): BoardDescription {
  const a = board.adc;
  const plan = planContinuousAdc([board.pins.adcV, board.pins.adcI], a.rateHz, a.blockPairs);
  const adc = {
    bits: a.bits,
    attenuationDb: a.attenuationDb,
    fullScaleVolts: a.fullScaleVolts,
    rateHz: a.rateHz,
    blockPairs: a.blockPairs,
    skewUs: plan.skewUs,
  };
  const cal = board.calibration;
  return withAdc(
    board,
    adc,
    cal === undefined
      ? undefined
      : {
          vGain: cal.vGain,
          iGain: cal.iGain,
          phaseShift: cal.phaseShift - ((a.skewUs - plan.skewUs) * a.rateHz) / 1e6,
        },
  );
}
