// lin stand-in for $(MODDABLE)/modules/base/microseconds: the SDK's C has no Linux
// version ("#error microseconds unsupported"), so this module gives Time.microseconds from
// clock_gettime(CLOCK_MONOTONIC) (microseconds.c), the same property the SDK module adds.
import Time from "time";

function microseconds() @ "xs_time_microseconds_lin";

Object.defineProperties(Time, {
	microseconds: {
		enumerable: true,
		get: microseconds
	}
});
