/*
	Native continuous (DMA) ADC for the meter: host class over ESP-IDF v5 adc_continuous.
	Pattern followed: Moddable modules/io/digital/digitalbank.js ("class X @ destructor",
	"@" host methods). The C is adc-continuous.c; the JS face that hal/io expects is
	hal/moddable/continuous-adc.ts (NativeContinuousAdc), which decodes the frames.

	new AdcContinuous({vChannel, iChannel, sampleFreqHz, frameBytes, poolBytes, buffer, onFrame})
	onFrame(buffer, length, tEndUs) runs on the XS thread, once per conversion frame.
*/

class AdcContinuous @ "xs_meter_adc_destructor" {
	constructor(options) @ "xs_meter_adc_constructor"
	close() @ "xs_meter_adc_close"
	start() @ "xs_meter_adc_start"
	stop() @ "xs_meter_adc_stop"
	get overflows() @ "xs_meter_adc_get_overflows"
}

export default AdcContinuous;
