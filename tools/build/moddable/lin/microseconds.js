// lin stand-in for $(MODDABLE)/modules/base/microseconds: the SDK's C has no Linux
// version ("#error microseconds unsupported"), so this module gives Time.microseconds from
// clock_gettime(CLOCK_MONOTONIC) (microseconds.c), the same property the SDK module adds.
//
// config.lin.clock "virtual": Time.microseconds is instead a sample clock that the analog
// stand-in advances by 1 ms per V read (an ideal 1 kHz sampler, and the app's clock agrees
// with it). The app then meters the same on a loaded host as on an idle one, as the tests
// need; how late ticks affect metering is tested in simulated time instead
// (host-tests/metering-gaps.test.ts). "wall" and "reads" keep the real clock.
import Time from "time";
import config from "mc/config";

function microseconds() @ "xs_time_microseconds_lin";

let base = -1, reads = 0;

/** the real monotonic clock, whatever the mode */
export function wallMicroseconds() { return microseconds(); }

/** one V read of the analog stand-in: the virtual clock moves 1 ms */
export function sampleTick() { reads++; }

function virtualMicroseconds() {
	if (base < 0) base = microseconds();
	return base + reads * 1000;
}

Object.defineProperties(Time, {
	microseconds: {
		enumerable: true,
		get: config.lin.clock === "virtual" ? virtualMicroseconds : microseconds
	}
});
