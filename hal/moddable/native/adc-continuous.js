/*
	Native continuous (DMA) ADC for the meter: host class over ESP-IDF v5 adc_continuous.
	Pattern followed: Moddable modules/io/digital/digitalbank.js ("class X @ destructor",
	"@" host methods). The C is adc-continuous.c; the JS face that hal/io expects is
	hal/moddable/continuous-adc.ts (NativeContinuousAdc).

	new AdcContinuous({vChannel, iChannel, decimation, blockPairs, sampleFreqHz, frameBytes, poolBytes, block, onFrame})
	onFrame(status, tEndUs) runs on the XS thread, once per conversion frame, after the C has
	decoded it into `block` (status 0) or dropped it (status -1: length, n > 0: channel order
	at entry n - 1).
*/

class AdcContinuous @ "xs_meter_adc_destructor" {
	constructor(options) @ "xs_meter_adc_constructor"
	close() @ "xs_meter_adc_close"
	start() @ "xs_meter_adc_start"
	stop() @ "xs_meter_adc_stop"
	get overflows() @ "xs_meter_adc_get_overflows"
	get wordOrder() @ "xs_meter_adc_get_wordOrder"
}

export default AdcContinuous;
