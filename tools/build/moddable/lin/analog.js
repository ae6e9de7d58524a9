// lin stand-in for embedded:io/analog (lin has none). Follows the ESP32 driver
// (modules/io/analog/esp32/_analog.c): 12-bit, ADC1 GPIO 32..39 and ADC2 pins only
// ("not analog pin"), one instance per pin ("in use"), calibrated codes
// (mV x 4095 / 2450, clamped at 4095) unless esp32.calibrated is false, attenuation
// 0/2.5/6/12 dB. The signal is a mains model computed from Time.microseconds:
// V = 230 V rms, I = config.lin.loadA rms in phase, stepping to config.lin.faultA
// config.lin.faultAfterCloseMs (wall time) after the main relay first closed (the digital
// stand-in says when); the NTC and MQ-6 pins read fixed codes.
// config.lin.clock: "wall" computes the signal at Time.microseconds of each read (the lin
// timer's jitter goes into the samples, as a late timer would on a board); "reads" at
// 1 ms per V read (an ideal 1 kHz sampler, whatever the timer did); "virtual" is "reads" with
// the app's Time.microseconds following the same sample clock (lin/microseconds.js). Every 5000 V reads the stand-in traces the
// spacing of those reads on the wall clock, so a run shows the timer's jitter.
import Time from "time";
import config from "mc/config";
import { mainRelayClosedAt } from "embedded:io/digital";
import { sampleTick, wallMicroseconds } from "microseconds";

const ADC_PINS = [36, 37, 38, 39, 32, 33, 34, 35, 4, 0, 2, 15, 13, 12, 14, 27, 25, 26];
const ATTEN = { 0: 950, 2.5: 1250, 6: 1750, 12: 2450 };
const used = [];
let t0, vReads = 0, lastV = 0, gapSum = 0, gapMax = 0, gapMin = 1e9;

function sampleTime(pin) {
	const now = wallMicroseconds();
	if (pin === config.board.pins.adcV) {
		if (config.lin.clock === "virtual") sampleTick();
		if (vReads > 0) {
			const gap = now - lastV;
			gapSum += gap;
			if (gap > gapMax) gapMax = gap;
			if (gap < gapMin) gapMin = gap;
		}
		lastV = now;
		vReads++;
		if (vReads % 5000 === 0) {
			trace("lin analog: V reads " + vReads + ", spacing mean " + Math.round(gapSum / 4999) + " us, min " + Math.round(gapMin) + " us, max " + Math.round(gapMax) + " us\n");
			gapSum = 0; gapMax = 0; gapMin = 1e9;
		}
	}
	if (config.lin.clock === "virtual") return Time.microseconds;
	if (config.lin.clock !== "reads") return now;
	// "reads": an ideal sampler, 1 ms per V+I pair whatever the timer did
	return t0 + (pin === config.board.pins.adcV ? vReads - 1 : vReads) * 1000;
}

// ADC noise, +-1 LSB (a 12-bit ESP32 reading is noisier than that), from a fixed LCG
let seed = 12345;
function noise() {
	seed = (seed * 1103515245 + 12345) % 2147483648;
	return (seed % 3) - 1;
}

function volts(pin, tUs) {
	const lin = config.lin, fe = config.board.frontend, p = config.board.pins;
	// 0.3 rad: the mains phase is not locked to the sampler (no sample lands on a crossing every cycle)
	const w = 2 * Math.PI * 50 * tUs / 1e6 + 0.3;
	if (pin === p.adcV)
		return fe.biasVolts + fe.vAdcVoltsPerVolt * 230 * Math.SQRT2 * Math.sin(w);
	if (pin === p.adcI) {
		const closed = mainRelayClosedAt();
		const a = closed >= 0 && Time.microseconds - closed >= lin.faultAfterCloseMs * 1000 ? lin.faultA : lin.loadA;
		return fe.biasVolts + fe.iAdcVoltsPerAmp * a * Math.SQRT2 * Math.sin(w);
	}
	if (pin === p.ntc) return lin.ntcVolts;
	if (pin === p.gas) return lin.gasVolts;
	return 0;
}

export default class Analog {
	#pin; #calibrated; #vmax;
	constructor(options) {
		const pin = options.pin;
		if (used.indexOf(pin) >= 0) throw new Error("in use");
		let calibrated = true, vmax = 2450;
		if (options.esp32 !== undefined) {
			if (options.esp32.calibrated !== undefined) calibrated = !!options.esp32.calibrated;
			if (options.esp32.attenuation !== undefined) {
				vmax = ATTEN[options.esp32.attenuation];
				if (vmax === undefined) throw new RangeError("bad attenuation");
			}
		}
		if (ADC_PINS.indexOf(pin) < 0) throw new RangeError("not analog pin");
		used.push(pin);
		this.#pin = pin;
		this.#calibrated = calibrated;
		this.#vmax = vmax;
		if (t0 === undefined) t0 = Time.microseconds;
	}
	get resolution() { return 12; }
	get format() { return "number"; }
	read() {
		const fullScale = config.board.adc.fullScaleVolts;
		let raw = Math.round(volts(this.#pin, sampleTime(this.#pin)) / fullScale * 4095) + noise();
		raw = raw < 0 ? 0 : raw > 4095 ? 4095 : raw;
		if (!this.#calibrated) return raw;
		// what adc_cali_raw_to_voltage gives back for this code, then scaled to 4095 = Vmax
		const mv = Math.round(raw * fullScale * 1000 / 4095);
		const code = Math.floor(mv * 4095 / this.#vmax);
		return code > 4095 ? 4095 : code;
	}
	close() {
		const i = used.indexOf(this.#pin);
		if (i >= 0) used.splice(i, 1);
	}
}
