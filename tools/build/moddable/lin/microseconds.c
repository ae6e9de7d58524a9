// lin stand-in for the SDK's microseconds.c (which has no Linux branch): a monotonic
// microsecond count, like esp_timer_get_time() on the ESP32.
#include "xsmc.h"
#include <time.h>

void xs_time_microseconds_lin(xsMachine *the)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	xsmcSetNumber(xsResult, (xsNumberValue)ts.tv_sec * 1000000.0 + (xsNumberValue)(ts.tv_nsec / 1000));
}
