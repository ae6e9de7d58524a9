// The JS face of the native trip ISR (hal/moddable/native/trip-isr.c, class in
// hal/moddable/native/trip-isr.js), for boards with comparatorPath "native-isr"
// (docs/PROTECTION.md): no 74HC74 latch, so a GPIO interrupt handler in IRAM drives the
// relay GPIOs to their de-energised level itself, within the ISR latency, whatever the JS
// thread is doing; JS is told afterwards and runs the firmware's normal comparator path
// (NodeCore's onReadable -> Protection.onComparator).
//
// TripIsrDigital stands in for the hal/io Digital that NodeCore opens on the comparator
// pin, so the firmware is unchanged. The ISR disarms itself after firing (a comparator
// that chatters at every half cycle of a sustained fault must not flood the XS message
// queue); it is re-armed when a read() sees the comparator idle (level 0), which is what
// NodeCore.reset() does before a local reset, or by rearm().
import type { Digital, DigitalOptions } from '../io';
import { EDGE_RISING } from '../io';

export interface NativeTripOptions {
  /** comparator GPIO (input, rising edge) */
  pin: number;
  /** relay GPIOs the ISR writes */
  relays: number[];
  /** the level that de-energises the relays (0 for active-high drivers) */
  level: number;
  /** delivered on the XS thread after the ISR has opened the relays */
  onTrip: () => void;
}
export interface NativeTrip {
  /** comparator pin level, 0 or 1 */
  read(): number;
  /** clear the fired flag and re-enable the interrupt */
  rearm(): void;
  /** interrupts taken since construction */
  readonly fires: number;
  /** 1 while fired and not re-armed */
  readonly tripped: number;
  close(): void;
}
export type NativeTripClass = new (o: NativeTripOptions) => NativeTrip;

/** ESP32 GPIOs 0..39; 34..39 are input-only (ESP32 datasheet §2.2), so no relay there */
const GPIO_MAX = 39;
const INPUT_ONLY_FROM = 34;

function checkPin(pin: number, field: string, output: boolean): void {
  const top = output ? INPUT_ONLY_FROM - 1 : GPIO_MAX;
  if (!(pin >= 0 && pin <= top) || Math.floor(pin) !== pin)
    throw new RangeError(field + ': must be an ESP32 GPIO 0 .. ' + top + (output ? ' (34..39 are input-only)' : '') + ', got ' + pin);
}

export class TripIsrDigital implements Digital {
  private readonly native: NativeTrip;

  /**
   * o: the Digital options NodeCore passes for the comparator (mode input, edge rising);
   * relays / deEnergised: the relay pins and the level that opens them.
   */
  constructor(o: DigitalOptions, relays: number[], deEnergised: number, Native: NativeTripClass) {
    // the C leaves the pad floating: the LM393's open-collector output has its pull-up on the board
    if (o.mode !== 'input') throw new RangeError('comparator mode: must be input for the trip ISR (the board pulls the LM393 output up), got ' + o.mode);
    if (o.edge !== EDGE_RISING) throw new RangeError('comparator edge: the trip ISR takes the rising edge (' + EDGE_RISING + '), got ' + o.edge);
    checkPin(o.pin, 'comparator pin', false);
    if (relays.length < 1) throw new RangeError('relay pins: at least one relay GPIO is needed for the trip ISR');
    for (let k = 0; k < relays.length; k++) {
      checkPin(relays[k], 'relay pin ' + k, true);
      if (relays[k] === o.pin) throw new RangeError('relay pin ' + k + ': GPIO ' + relays[k] + ' is the comparator pin');
    }
    if (deEnergised !== 0 && deEnergised !== 1) throw new RangeError('relay de-energised level: must be 0 or 1, got ' + deEnergised);
    const onReadable = o.onReadable;
    this.native = new Native({
      pin: o.pin,
      relays: relays.slice(),
      level: deEnergised,
      onTrip: function (): void {
        if (onReadable !== undefined) onReadable();
      },
    });
  }

  /** the comparator level; a 0 while tripped re-arms the ISR (NodeCore.reset reads it first) */
  read(): number {
    const v = this.native.read();
    if (v === 0 && this.native.tripped !== 0) this.native.rearm();
    return v;
  }

  write(_v: number): void {
    throw new Error('comparator pin: input only (the trip ISR owns it)');
  }

  rearm(): void {
    this.native.rearm();
  }

  get fires(): number {
    return this.native.fires;
  }

  get tripped(): boolean {
    return this.native.tripped !== 0;
  }

  close(): void {
    this.native.close();
  }
}
