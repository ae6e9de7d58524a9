/*
	Continuous (DMA) ADC host module for the meter node: ESP-IDF v5 adc_continuous on ADC1,
	a pattern of two channels (V then I), one conversion frame per block.

	NEVER COMPILED AGAINST THE REAL SDK OR RUN ON A BOARD: it is syntax- and type-checked
	with gcc against the stub headers in host-tests/fixtures/native-stubs (declarations
	copied from the real headers), see docs/MODDABLE-NATIVE.md.

	Followed:
	- Moddable modules/io/digital/esp32/digitalbank.c: record with xsSlot obj + xsRemember,
	  xsHostHooks (destructor + mark), builtinGetCallback, the ISR -> modMessagePostToMachineFromISR
	  -> deliver pattern with a use count (so a close while a message is queued is safe),
	  xsBeginHost / xsCallFunction / xsEndHost in the deliver, close() via GetHostDataValidate.
	- Moddable modules/io/analog/esp32/_analog.c: option parsing, c_malloc, errors.
	- ESP-IDF examples/peripherals/adc/continuous_read/main/continuous_read_main.c and
	  components/esp_adc/include/esp_adc/adc_continuous.h: handle/config, the pattern,
	  on_conv_done from ISR context, adc_continuous_read with timeout 0 until ESP_ERR_TIMEOUT.

	From the driver (components/esp_adc/adc_continuous.c, adc_dma_intr): on_conv_done is called
	for every finished frame, before the frame is known to fit the pool; when it did not fit
	(pool full, flush_pool off) on_pool_ovf follows for the same frame, which was dropped.
	So the overflow callback takes that frame's stamp back. The pool is a byte ring
	(RINGBUF_TYPE_BYTEBUF) and adc_continuous_read returns up to length_max bytes, possibly
	less at the ring's wrap, so frames are reassembled here before JS sees them.

	Each frame is decoded here (adc-decode.h: channel routing, 12-bit masking, the ESP32 word
	order, averaging `decimation` raw pairs) straight into the reused JS Array `block`
	[v0, i0, v1, i1, ...], then onFrame(status, tEndUs) runs: status 0 = good, -1 = bad
	length, n > 0 = bad channel order at entry n - 1 (the frame is dropped; JS counts it).
	Decoding in C, not in JS: the same decoder in TypeScript costs ~2900 XS computrons per
	2 ms frame (tools/bench/native-decode.ts), ~1.4 M computrons/s at 4 kHz. tEndUs is the esp_timer_get_time() stamp taken in the
	frame's own on_conv_done ISR, kept in a small ring indexed by frame number, so a frame
	read late (JS busy) still carries the time it was converted.
*/

#include "xsmc.h"			// xs bindings for microcontroller
#include "xsHost.h"			// esp platform support
#include "mc.xs.h"			// for xsID_* values

#include "builtinCommon.h"

#include "esp_adc/adc_continuous.h"
#include "esp_timer.h"

#include "adc-decode.h"

#define kFrameMaxBytes (4096)	// FRAME_MAX_BYTES in hal/moddable/continuous-adc.ts
#define kStampRing (32)			// > frames in the pool (POOL_FRAMES = 16): a stamp is never overwritten before its frame is read

struct AdcContinuousRecord {
	xsSlot		obj;
	xsSlot		block;			// the reused JS Array [v0, i0, ...] each frame is decoded into
	xsSlot		*onFrame;
	xsMachine	*the;
	adc_continuous_handle_t handle;
	uint8_t		*frame;			// c_malloc'd: one frame as read from the driver
	uint32_t	*sums;			// c_malloc'd: 2 * blockPairs code sums
	uint32_t	frameBytes;
	MeterAdcPlan plan;
	uint8_t		order;			// word order, locked on the first good frame (adc-decode.h)
	uint8_t		running;
	// written from the ISR
	volatile uint32_t	pending;
	volatile uint32_t	useCount;
	volatile uint32_t	done;			// frames signalled by on_conv_done
	volatile uint32_t	overflows;		// on_pool_ovf events
	volatile int64_t	stamp[kStampRing];
	uint32_t	read;			// frames read (XS thread only)
	uint32_t	fill;			// bytes of the current frame read so far (XS thread only)
};
typedef struct AdcContinuousRecord AdcContinuousRecord;
typedef struct AdcContinuousRecord *AdcContinuous;

static bool adcConvDone(adc_continuous_handle_t handle, const adc_continuous_evt_data_t *edata, void *user_data);
static bool adcPoolOverflow(adc_continuous_handle_t handle, const adc_continuous_evt_data_t *edata, void *user_data);
static void adcDeliver(void *the, void *refcon, uint8_t *message, uint16_t messageLength);
static void xs_meter_adc_mark(xsMachine* the, void* it, xsMarkRoot markRoot);
void xs_meter_adc_destructor(void *data);

static const xsHostHooks ICACHE_RODATA_ATTR xsMeterAdcHooks = {
	xs_meter_adc_destructor,
	xs_meter_adc_mark,
	NULL
};

static uint32_t getRange(xsMachine *the, xsIdentifier id, uint32_t min, uint32_t max, const char *name)
{
	xsSlot tmp;
	int32_t value;

	if (!xsmcHas(xsArg(0), id))
		xsUnknownError("%s: required", name);
	xsmcGet(tmp, xsArg(0), id);
	value = builtinGetSignedInteger(the, &tmp);
	if ((value < (int32_t)min) || (value > (int32_t)max))
		xsRangeError("%s: must be %d .. %d, got %d", name, (int)min, (int)max, (int)value);	// the TS side checks first, this is the backstop
	return (uint32_t)value;
}

void xs_meter_adc_constructor(xsMachine *the)
{
	AdcContinuous adc;
	uint32_t vChannel, iChannel, sampleFreq, frameBytes, poolBytes, decimation, blockPairs;
	xsSlot *onFrame;
	esp_err_t err;
	adc_continuous_handle_t handle = NULL;

	vChannel = getRange(the, xsID_vChannel, 0, ADC_CHANNEL_7, "vChannel");	// ADC1: channels 0..7 on the ESP32
	iChannel = getRange(the, xsID_iChannel, 0, ADC_CHANNEL_7, "iChannel");
	sampleFreq = getRange(the, xsID_sampleFreqHz, SOC_ADC_SAMPLE_FREQ_THRES_LOW, SOC_ADC_SAMPLE_FREQ_THRES_HIGH, "sampleFreqHz");
	frameBytes = getRange(the, xsID_frameBytes, 2 * SOC_ADC_DIGI_RESULT_BYTES, kFrameMaxBytes, "frameBytes");
	poolBytes = getRange(the, xsID_poolBytes, 2 * SOC_ADC_DIGI_RESULT_BYTES, 16 * kFrameMaxBytes, "poolBytes");
	decimation = getRange(the, xsID_decimation, 1, 255, "decimation");
	blockPairs = getRange(the, xsID_blockPairs, 1, kFrameMaxBytes / 4, "blockPairs");
	if (frameBytes != blockPairs * decimation * 2 * SOC_ADC_DIGI_RESULT_BYTES)
		xsRangeError("frameBytes: must be blockPairs * decimation * 2 * %d", SOC_ADC_DIGI_RESULT_BYTES);
	if ((poolBytes < frameBytes) || ((poolBytes / frameBytes) >= kStampRing))
		xsRangeError("poolBytes: 1 .. 31 frames");

	onFrame = builtinGetCallback(the, xsID_onFrame);
	if (!onFrame)
		xsUnknownError("onFrame required");

	builtinInitializeTarget(the);

	adc = c_calloc(1, sizeof(AdcContinuousRecord));
	if (!adc)
		xsRangeError("no memory");
	adc->frame = c_malloc(frameBytes);
	adc->sums = c_malloc(2 * blockPairs * sizeof(uint32_t));
	if (!adc->frame || !adc->sums) {
		c_free(adc->sums);
		c_free(adc->frame);
		c_free(adc);
		xsRangeError("no memory");
	}

	xsmcGet(adc->block, xsArg(0), xsID_block);
	{
		xsSlot length;
		xsmcGet(length, adc->block, xsID_length);
		if (xsmcToInteger(length) != (xsIntegerValue)(2 * blockPairs)) {
			c_free(adc->sums);
			c_free(adc->frame);
			c_free(adc);
			xsRangeError("block: must be an Array of 2 * blockPairs numbers");
		}
	}

	adc_continuous_handle_cfg_t handleConfig = {
		.max_store_buf_size = poolBytes,
		.conv_frame_size = frameBytes,
	};
	err = adc_continuous_new_handle(&handleConfig, &handle);
	if (ESP_OK != err) {
		c_free(adc->sums);
		c_free(adc->frame);
		c_free(adc);
		xsUnknownError("adc_continuous_new_handle failed");
	}

	// pattern: V then I, both ADC1, 12 dB attenuation (the board's attenuationDb; ADC_ATTEN_DB_12
	// is IDF 5.1+'s name for the former DB_11), 12-bit
	adc_digi_pattern_config_t pattern[2] = {
		{ .atten = ADC_ATTEN_DB_12, .channel = (uint8_t)vChannel, .unit = ADC_UNIT_1, .bit_width = SOC_ADC_DIGI_MAX_BITWIDTH },
		{ .atten = ADC_ATTEN_DB_12, .channel = (uint8_t)iChannel, .unit = ADC_UNIT_1, .bit_width = SOC_ADC_DIGI_MAX_BITWIDTH },
	};
	adc_continuous_config_t config = {
		.pattern_num = 2,
		.adc_pattern = pattern,
		.sample_freq_hz = sampleFreq,
		.conv_mode = ADC_CONV_SINGLE_UNIT_1,
		.format = ADC_DIGI_OUTPUT_FORMAT_TYPE1,	// ESP32: only type1 (hal/adc_types.h)
	};
	err = adc_continuous_config(handle, &config);
	if (ESP_OK == err) {
		adc_continuous_evt_cbs_t cbs = {
			.on_conv_done = adcConvDone,
			.on_pool_ovf = adcPoolOverflow,
		};
		err = adc_continuous_register_event_callbacks(handle, &cbs, adc);
	}
	if (ESP_OK != err) {
		adc_continuous_deinit(handle);
		c_free(adc->sums);
		c_free(adc->frame);
		c_free(adc);
		xsUnknownError("adc_continuous_config failed");
	}

	adc->handle = handle;
	adc->frameBytes = frameBytes;
	adc->plan.vChannel = (uint8_t)vChannel;
	adc->plan.iChannel = (uint8_t)iChannel;
	adc->plan.decimation = (uint8_t)decimation;
	adc->plan.blockPairs = (uint16_t)blockPairs;
	adc->the = the;
	adc->onFrame = onFrame;
	adc->useCount = 1;
	adc->obj = xsThis;
	xsRemember(adc->obj);
	xsRemember(adc->block);
	xsmcSetHostData(xsThis, adc);
	xsSetHostHooks(xsThis, (xsHostHooks *)&xsMeterAdcHooks);
}

void xs_meter_adc_destructor(void *data)
{
	AdcContinuous adc = data;
	if (!adc) return;

	if (adc->handle) {
		if (adc->running)
			adc_continuous_stop(adc->handle);
		adc_continuous_deinit(adc->handle);		// no more ISR callbacks after this
		adc->handle = NULL;
		adc->running = 0;
	}

	// a message already queued holds a use; the last of the two frees the record
	if (0 == __atomic_sub_fetch(&adc->useCount, 1, __ATOMIC_SEQ_CST)) {
		c_free(adc->sums);
		c_free(adc->frame);
		c_free(adc);
	}
}

static void xs_meter_adc_mark(xsMachine* the, void *it, xsMarkRoot markRoot)
{
	AdcContinuous adc = it;

	(*markRoot)(the, adc->onFrame);
}

void xs_meter_adc_close(xsMachine *the)
{
	AdcContinuous adc = xsmcGetHostData(xsThis);
	if (adc && xsmcGetHostDataValidate(xsThis, (void *)&xsMeterAdcHooks)) {
		xsForget(adc->obj);
		xsForget(adc->block);
		xs_meter_adc_destructor(adc);
		xsmcSetHostData(xsThis, NULL);
		xsmcSetHostDestructor(xsThis, NULL);
	}
}

void xs_meter_adc_start(xsMachine *the)
{
	AdcContinuous adc = xsmcGetHostDataValidate(xsThis, (void *)&xsMeterAdcHooks);

	if (adc->running) return;
	builtinCriticalSectionBegin();
		adc->done = 0;
		adc->read = 0;
		adc->fill = 0;
	builtinCriticalSectionEnd();
	if (ESP_OK != adc_continuous_start(adc->handle))
		xsUnknownError("adc_continuous_start failed");
	adc->running = 1;
}

void xs_meter_adc_stop(xsMachine *the)
{
	AdcContinuous adc = xsmcGetHostDataValidate(xsThis, (void *)&xsMeterAdcHooks);

	if (!adc->running) return;
	adc_continuous_stop(adc->handle);
	adc->running = 0;
}

void xs_meter_adc_get_wordOrder(xsMachine *the)
{
	AdcContinuous adc = xsmcGetHostDataValidate(xsThis, (void *)&xsMeterAdcHooks);

	xsmcSetInteger(xsResult, adc->order);
}

void xs_meter_adc_get_overflows(xsMachine *the)
{
	AdcContinuous adc = xsmcGetHostDataValidate(xsThis, (void *)&xsMeterAdcHooks);

	xsmcSetInteger(xsResult, adc->overflows);
}

/*
	ISR context (adc_continuous.h: "These callbacks are all running in an ISR environment").
	Only stamps the frame and, if no message is outstanding, posts one to the XS task,
	exactly as digitalISR does. IRAM_ATTR so it runs with the flash cache off when
	CONFIG_ADC_CONTINUOUS_ISR_IRAM_SAFE is set; esp_timer_get_time is IRAM-resident.
*/
static bool IRAM_ATTR adcConvDone(adc_continuous_handle_t handle, const adc_continuous_evt_data_t *edata, void *user_data)
{
	AdcContinuous adc = user_data;
	uint32_t n = adc->done;

	adc->stamp[n % kStampRing] = esp_timer_get_time();
	adc->done = n + 1;
	if (!adc->pending) {
		adc->pending = 1;
		__atomic_add_fetch(&adc->useCount, 1, __ATOMIC_SEQ_CST);
		modMessagePostToMachineFromISR(adc->the, adcDeliver, adc);
	}
	(void)handle;
	(void)edata;
	return false;		// no higher-priority task woken by us (xQueueSendFromISR's yield is ignored, as in Moddable)
}

static bool IRAM_ATTR adcPoolOverflow(adc_continuous_handle_t handle, const adc_continuous_evt_data_t *edata, void *user_data)
{
	AdcContinuous adc = user_data;

	adc->overflows += 1;
	adc->done -= 1;		// the frame just stamped by adcConvDone was not stored
	(void)handle;
	(void)edata;
	return false;
}

/* XS task: drain every frame the driver holds, one onFrame call per frame */
static void adcDeliver(void *the, void *refcon, uint8_t *message, uint16_t messageLength)
{
	AdcContinuous adc = refcon;
	uint32_t got;

	// the message's use is held until the end: onFrame may close() the instance
	builtinCriticalSectionBegin();
		adc->pending = 0;
	builtinCriticalSectionEnd();

	while (adc->handle && adc->running) {
		got = 0;
		if (ESP_OK != adc_continuous_read(adc->handle, adc->frame + adc->fill, adc->frameBytes - adc->fill, &got, 0))
			break;		// ESP_ERR_TIMEOUT: nothing left
		adc->fill += got;
		if (adc->fill < adc->frameBytes)
			continue;	// the rest of the frame is past the ring's wrap: read again
		adc->fill = 0;
		int64_t tEnd = adc->stamp[adc->read % kStampRing];
		adc->read += 1;
		int32_t status = meterAdcDecode(adc->frame, adc->frameBytes, &adc->plan, &adc->order, adc->sums);

		xsBeginHost(adc->the);
			xsmcVars(2);
			if (0 == status) {
				uint32_t k, n = 2 * adc->plan.blockPairs;
				xsNumberValue d = adc->plan.decimation;
				for (k = 0; k < n; k++) {
					if (1 == adc->plan.decimation)
						xsmcSetInteger(xsVar(0), (xsIntegerValue)adc->sums[k]);
					else
						xsmcSetNumber(xsVar(0), adc->sums[k] / d);
					xsmcSetIndex(adc->block, k, xsVar(0));
				}
			}
			xsmcSetInteger(xsVar(0), status);
			xsmcSetNumber(xsVar(1), (xsNumberValue)tEnd);
			xsCallFunction2(xsReference(adc->onFrame), adc->obj, xsVar(0), xsVar(1));
		xsEndHost(adc->the);
	}

	if (0 == __atomic_sub_fetch(&adc->useCount, 1, __ATOMIC_SEQ_CST)) {	// closed while queued or in onFrame
		c_free(adc->sums);
		c_free(adc->frame);
		c_free(adc);
	}
	(void)message;
	(void)messageLength;
}
