// The ESP32's system time on Moddable, for the control unit's wall clock
// (firmware/access/wall-clock.ts): read once at boot, written whenever the PC link's `time`
// command sets the unit's clock, so a software reset does not forget it.
//
// - Date.now() is the ESP32's system time (XS: c_gettimeofday). ESP-IDF keeps it on the RTC
//   timer, which "can persist time keeping across any resets (with the exception of power-on
//   resets which reset the RTC timer)" (ESP-IDF v5.0 API reference, System Time, Overview).
//   After a power cut it starts again at 0 (1970): no clock, said honestly as such.
// - Time.set(seconds) (Moddable `time` module, modules/base/time/esp/modTime.c xs_time_set)
//   takes whole seconds: xsmcToUnsigned(arg), then settimeofday with tv_usec = 0
//   (xs/platforms/esp/xsHost.c modSetTime). The fraction is dropped, so the time is rounded
//   here: after a reset the clock is at most 0.5 s off the last set.
import Time from 'time';

/** Unix time earlier than this is a clock nobody has set (the ESP32 starts at 1970) */
export const CLOCK_SET_AFTER_S = 1700000000;

/** The system time in Unix seconds, or undefined when nobody has set it since power-on. */
export function systemTimeS(): number | undefined {
  const s = Date.now() / 1000;
  return s > CLOCK_SET_AFTER_S ? s : undefined;
}

/** Set the system time (kept across a software reset, lost in a power cut). */
export function setSystemTime(unixS: number): void {
  Time.set(Math.round(unixS));
}
