// The meter node's board program on the Moddable SDK with the native host modules
// (tools/build/moddable.ts, option `native`): the same ECMA-419 provider as
// targets/moddable/main.ts, with two parts swapped:
//   - io.ContinuousAdc is the native adc_continuous module (hal/moddable/continuous-adc.ts),
//     so the board's own rate (4 kHz on the DevKitC meter) is kept: no polledBoard();
//   - on a board with comparatorPath "native-isr", the Digital that NodeCore opens on the
//     comparator pin is the native trip ISR (hal/moddable/trip-isr.ts).
// The native classes are passed in by the generated main.js, which imports them by their
// manifest names ("meter/native/adc-continuous", "meter/native/trip-isr"); taking them as
// arguments keeps this module free of host functions (preloadable, testable on the host).
import type { BoardDescription } from '../../boards/board';
import { createDevice } from '../../hal/moddable/device';
import { nativeBoard, withNative, type NativeClasses } from '../../hal/moddable/native/with-native';
import type { MeterNode } from '../../firmware/app/meter-node';
import { checkMeterRole, startMeterNode } from '../../firmware/app/start';

export type { NativeClasses };

/** Boot the meter node on the Moddable provider with the native ADC and trip ISR. */
export function startMeterNative(board: BoardDescription, log: (line: string) => void, natives: NativeClasses): MeterNode {
  checkMeterRole(board);
  const b = nativeBoard(board);
  const device = withNative(createDevice(b, { report: log }), b, natives);
  log('adc: native adc_continuous at ' + b.adc.rateHz + ' pairs/s in blocks of ' + b.adc.blockPairs + ', skew ' + Math.round(b.adc.skewUs * 10) / 10 + ' us');
  return startMeterNode(device, b, {
    log: log,
    onRestart: function (): void {
      log('restart requested: power-cycle the node');
    },
  });
}
