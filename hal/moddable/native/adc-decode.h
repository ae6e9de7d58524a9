/*
	Frame decoder of the meter's continuous ADC: pure C (no XS, no ESP-IDF), header-only so
	that adc-continuous.c and the host test harness (host-tests/moddable-native.test.ts, which
	compiles and RUNS it with gcc against the TypeScript reference decoder,
	hal/moddable/continuous-adc.ts decodeLocked) include the very same code.

	A frame is blockPairs * decimation raw V+I pairs of adc_digi_output_data_t type1 entries
	(ESP-IDF hal/adc_types.h, ESP32: 16 bits, data:12 | channel:4, little-endian). On the
	ESP32 the ADC reaches memory through I2S0's DMA, whose RX FIFO stores the upper 16 bits
	of a 32-bit word first (ESP32 TRM v4.6 §12, "Modes of Writing Received Data into FIFO";
	esp-idf issues #5444, #10636), so each word may hold I then V. The word order is locked
	on the first good frame (*order 0 -> 1 VI or 2 IV); a later frame in the other order, or
	with a foreign channel, is dropped whole: a shifted frame would pair each I with the
	wrong V.

	Output: sums[2k], sums[2k+1] = the sums of the V and I codes of output pair k over its
	`decimation` raw pairs (the caller divides by decimation).
	Returns 0 (good), -1 (length is not the frame size), or 1 + the index of the first
	entry of the first bad word.
*/
#ifndef METER_ADC_DECODE_H
#define METER_ADC_DECODE_H

#include <stdint.h>

typedef struct {
	uint8_t		vChannel;
	uint8_t		iChannel;
	uint8_t		decimation;
	uint16_t	blockPairs;
} MeterAdcPlan;

static int32_t meterAdcDecodeOrder(const uint8_t *frame, const MeterAdcPlan *plan, int swapped, uint32_t *sums)
{
	uint32_t k, j, at = 0;
	uint32_t first = swapped ? 2 : 0, second = swapped ? 0 : 2;

	for (k = 0; k < plan->blockPairs; k++) {
		uint32_t sv = 0, si = 0;
		for (j = 0; j < plan->decimation; j++) {
			uint32_t ev = frame[at + first] | ((uint32_t)frame[at + first + 1] << 8);
			uint32_t ei = frame[at + second] | ((uint32_t)frame[at + second + 1] << 8);
			if (((ev >> 12) != plan->vChannel) || ((ei >> 12) != plan->iChannel))
				return (int32_t)(1 + at / 2);
			sv += ev & 0x0FFF;
			si += ei & 0x0FFF;
			at += 4;
		}
		sums[2 * k] = sv;
		sums[2 * k + 1] = si;
	}
	return 0;
}

static int32_t meterAdcDecode(const uint8_t *frame, uint32_t length, const MeterAdcPlan *plan, uint8_t *order, uint32_t *sums)
{
	int32_t status;

	if (length != (uint32_t)plan->blockPairs * plan->decimation * 4)
		return -1;
	if (*order)
		return meterAdcDecodeOrder(frame, plan, 2 == *order, sums);
	status = meterAdcDecodeOrder(frame, plan, 0, sums);
	if (0 == status) {
		*order = 1;
		return 0;
	}
	if (0 == meterAdcDecodeOrder(frame, plan, 1, sums)) {
		*order = 2;
		return 0;
	}
	return status;
}

#endif
