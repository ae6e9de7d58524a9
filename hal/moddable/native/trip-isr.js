/*
	Native trip ISR for boards without the 74HC74 latch (comparatorPath "native-isr").
	Pattern followed: Moddable modules/io/digital/digitalbank.js. The C is trip-isr.c; the
	JS face is hal/moddable/trip-isr.ts (TripIsrDigital).

	new TripIsr({pin, relays: [gpio, ...], level, onTrip})
	The ISR writes `level` to every relay GPIO, disarms itself, then onTrip() runs on the
	XS thread. rearm() re-enables it.
*/

class TripIsr @ "xs_meter_trip_destructor" {
	constructor(options) @ "xs_meter_trip_constructor"
	close() @ "xs_meter_trip_close"
	read() @ "xs_meter_trip_read"
	rearm() @ "xs_meter_trip_rearm"
	get fires() @ "xs_meter_trip_get_fires"
	get tripped() @ "xs_meter_trip_get_tripped"
}

export default TripIsr;
