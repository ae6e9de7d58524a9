// lin stand-in for embedded:io/digital (lin has none; on the ESP32 it is digitalbank.c).
// Modes and edges are the ECMA-419 constants Moddable uses; a pin is "in use" until
// closed. Inputs read 0 (the comparator latch idle), pull-ups read 1; every output change
// is traced ("lin digital: pin 26 -> 0") so a run shows the relays move, and the first
// close of the main relay is kept for the analog stand-in (mainRelayClosedAt).
import Time from "time";
import config from "mc/config";

const used = [];
let mainClosedAt = -1;

/** when the main relay was first driven closed (Time.microseconds), -1 before; the analog stand-in steps the load from there */
export function mainRelayClosedAt() { return mainClosedAt; }

export default class Digital {
	#pin; #mode; #level;
	constructor(options) {
		const pin = options.pin, mode = options.mode;
		if (used.indexOf(pin) >= 0) throw new Error("in use");
		if ([0, 1, 2, 3, 8, 9].indexOf(mode) < 0) throw new RangeError("invalid mode");
		if (options.edge && mode >= 8) throw new RangeError("invalid edge");
		used.push(pin);
		this.#pin = pin;
		this.#mode = mode;
		this.#level = mode === 1 ? 1 : 0;
	}
	read() { return this.#level; }
	write(value) {
		if (this.#mode < 8) throw new Error("can't write input");
		const v = value ? 1 : 0;
		if (v !== this.#level) trace("lin digital: pin " + this.#pin + " -> " + v + "\n");
		if (v === 1 && mainClosedAt < 0 && this.#pin === config.board.pins.relayMain) mainClosedAt = Time.microseconds;
		this.#level = v;
	}
	close() {
		const i = used.indexOf(this.#pin);
		if (i >= 0) used.splice(i, 1);
	}
	get format() { return "number"; }
}
Digital.Input = 0;
Digital.InputPullUp = 1;
Digital.InputPullDown = 2;
Digital.InputPullUpDown = 3;
Digital.Output = 8;
Digital.OutputOpenDrain = 9;
Digital.Rising = 1;
Digital.Falling = 2;
