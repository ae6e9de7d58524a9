// lin stand-in for embedded:io/spi (lin has none). Checks what the ESP32's spi.c checks
// (modules/io/spi/esp/spi.c): clock required, hz 1..40 MHz, in or out required, mode 0..3,
// active 0 or 1, and port one of SPI1_HOST..SPI3_HOST (0..2; "invalid" when missing).
// transfer() clocks in zeros (no device on the bus).
export default class SPI {
	constructor(options) {
		if (options.clock === undefined) throw new Error("invalid");
		const hz = options.hz | 0;
		if (hz < 1 || hz > 40000000) throw new RangeError("invalid hz");
		if (options.mode !== undefined && (options.mode & ~3)) throw new RangeError("invalid mode");
		if (options.active !== undefined && options.active !== 0 && options.active !== 1) throw new RangeError("invalid active");
		if (options.in === undefined && options.out === undefined) throw new Error("in or out required");
		if (options.port === undefined) throw new Error("invalid");
		if (options.port < 0 || options.port > 2) throw new RangeError("invalid port");
	}
	transfer(buffer) {
		const b = new Uint8Array(ArrayBuffer.isView(buffer) ? buffer.buffer : buffer);
		b.fill(0);
	}
	close() {}
	get format() { return "buffer"; }
}
