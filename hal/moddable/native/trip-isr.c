/*
	Trip ISR host module: comparator rising edge -> relay GPIOs to the de-energised level,
	inside the interrupt, then a message to the XS task (docs/PROTECTION.md, "native-isr").

	NEVER COMPILED AGAINST THE REAL SDK OR RUN ON A BOARD: it is syntax- and type-checked
	with gcc against the stub headers in host-tests/fixtures/native-stubs (declarations
	copied from the real headers), see docs/MODDABLE-NATIVE.md.

	Followed: Moddable modules/io/digital/esp32/digitalbank.c (gpio_install_isr_service,
	gpio_isr_handler_add, gpio_set_intr_type, the IRAM ISR that posts with
	modMessagePostToMachineFromISR and a use count, the deliver that calls JS between
	xsBeginHost / xsEndHost, the mark hook, builtinUsePin / builtinFreePin) and ESP-IDF
	driver/gpio.h.

	The ISR disarms itself (gpio_intr_disable) after firing: a sustained short makes the
	comparator toggle at every half cycle, and the relays are already open. JS re-arms.

	IRAM: gpio_set_level and gpio_intr_disable are called from the ISR; they are IRAM-resident
	only with CONFIG_GPIO_CTRL_FUNC_IN_IRAM=y (ESP-IDF Kconfig). Without it the ISR still
	works while the flash cache is enabled, which is always, unless flash is being written
	(NVS commit): set the option in the app's sdkconfig (docs/MODDABLE-NATIVE.md).
*/

#include "xsmc.h"			// xs bindings for microcontroller
#include "xsHost.h"			// esp platform support
#include "mc.xs.h"			// for xsID_* values

#include "builtinCommon.h"

#include "driver/gpio.h"
#include "esp_intr_alloc.h"

#define kMaxRelays (4)

struct TripIsrRecord {
	xsSlot		obj;
	xsSlot		*onTrip;
	xsMachine	*the;
	uint8_t		pin;
	uint8_t		relayCount;
	uint8_t		relays[kMaxRelays];
	uint8_t		level;
	uint8_t		installed;
	// written from the ISR
	volatile uint32_t	tripped;
	volatile uint32_t	fires;
	volatile uint32_t	useCount;
};
typedef struct TripIsrRecord TripIsrRecord;
typedef struct TripIsrRecord *TripIsr;

static void tripISR(void *refcon);
static void tripDeliver(void *the, void *refcon, uint8_t *message, uint16_t messageLength);
static void xs_meter_trip_mark(xsMachine* the, void* it, xsMarkRoot markRoot);
void xs_meter_trip_destructor(void *data);

static const xsHostHooks ICACHE_RODATA_ATTR xsMeterTripHooks = {
	xs_meter_trip_destructor,
	xs_meter_trip_mark,
	NULL
};

static uint8_t getGpio(xsMachine *the, xsSlot *slot, uint8_t output)
{
	int32_t pin = builtinGetSignedInteger(the, slot);
	// ESP32: GPIO 0..39; 34..39 are input-only (ESP32 datasheet §2.2)
	if ((pin < 0) || (pin >= GPIO_NUM_MAX) || (output && (pin >= 34)))
		xsRangeError("invalid pin");
	return (uint8_t)pin;
}

void xs_meter_trip_constructor(xsMachine *the)
{
	TripIsr trip;
	xsSlot *onTrip;
	uint8_t pin, level, count, relays[kMaxRelays];
	int i;
	esp_err_t err;

	xsmcVars(2);

	xsmcGet(xsVar(0), xsArg(0), xsID_pin);
	pin = getGpio(the, &xsVar(0), 0);
	if (!builtinIsPinFree(pin))
		xsUnknownError("in use");

	xsmcGet(xsVar(0), xsArg(0), xsID_level);
	level = builtinGetSignedInteger(the, &xsVar(0)) ? 1 : 0;

	xsmcGet(xsVar(0), xsArg(0), xsID_relays);
	xsmcGet(xsVar(1), xsVar(0), xsID_length);
	i = xsmcToInteger(xsVar(1));
	if ((i < 1) || (i > kMaxRelays))
		xsRangeError("relays: 1 .. 4 pins");
	count = (uint8_t)i;
	for (i = 0; i < count; i++) {
		xsmcGetIndex(xsVar(1), xsVar(0), i);
		relays[i] = getGpio(the, &xsVar(1), 1);
		if (relays[i] == pin)
			xsRangeError("relay is the comparator pin");
	}

	onTrip = builtinGetCallback(the, xsID_onTrip);
	if (!onTrip)
		xsUnknownError("onTrip required");

	builtinInitializeTarget(the);

	trip = c_calloc(1, sizeof(TripIsrRecord));
	if (!trip)
		xsRangeError("no memory");

	trip->the = the;
	trip->onTrip = onTrip;
	trip->pin = pin;
	trip->level = level;
	trip->relayCount = count;
	for (i = 0; i < count; i++)
		trip->relays[i] = relays[i];
	trip->useCount = 1;
	trip->obj = xsThis;
	xsRemember(trip->obj);
	xsmcSetHostData(xsThis, trip);
	xsSetHostHooks(xsThis, (xsHostHooks *)&xsMeterTripHooks);

	// The relay GPIOs are outputs opened by the ECMA-419 Digital (NodeCore); this module only
	// writes their level, so it does not claim them.
	gpio_set_direction(pin, GPIO_MODE_INPUT);
	gpio_set_pull_mode(pin, GPIO_FLOATING);	// as NodeCore asks ("input"): the LM393 is open-collector, its pull-up is on the board

	// Moddable's Digital installs the shared service with flags 0; whoever is first wins,
	// and ESP_ERR_INVALID_STATE means it is already installed. ESP_INTR_FLAG_IRAM keeps it
	// serviceable with the flash cache off.
	err = gpio_install_isr_service(ESP_INTR_FLAG_IRAM);
	if ((ESP_OK != err) && (ESP_ERR_INVALID_STATE != err))
		xsUnknownError("gpio_install_isr_service failed");
	gpio_set_intr_type(pin, GPIO_INTR_POSEDGE);
	if (ESP_OK != gpio_isr_handler_add(pin, tripISR, trip))
		xsUnknownError("gpio_isr_handler_add failed");
	gpio_intr_enable(pin);
	trip->installed = 1;

	builtinUsePin(pin);
}

void xs_meter_trip_destructor(void *data)
{
	TripIsr trip = data;
	if (!trip) return;

	if (trip->installed) {
		gpio_intr_disable(trip->pin);
		gpio_isr_handler_remove(trip->pin);
		gpio_reset_pin(trip->pin);
		builtinFreePin(trip->pin);
		trip->installed = 0;
	}

	if (0 == __atomic_sub_fetch(&trip->useCount, 1, __ATOMIC_SEQ_CST))
		c_free(trip);
}

static void xs_meter_trip_mark(xsMachine* the, void *it, xsMarkRoot markRoot)
{
	TripIsr trip = it;

	(*markRoot)(the, trip->onTrip);
}

void xs_meter_trip_close(xsMachine *the)
{
	TripIsr trip = xsmcGetHostData(xsThis);
	if (trip && xsmcGetHostDataValidate(xsThis, (void *)&xsMeterTripHooks)) {
		xsForget(trip->obj);
		xs_meter_trip_destructor(trip);
		xsmcSetHostData(xsThis, NULL);
		xsmcSetHostDestructor(xsThis, NULL);
	}
}

void xs_meter_trip_read(xsMachine *the)
{
	TripIsr trip = xsmcGetHostDataValidate(xsThis, (void *)&xsMeterTripHooks);

	xsmcSetInteger(xsResult, gpio_get_level(trip->pin));
}

void xs_meter_trip_rearm(xsMachine *the)
{
	TripIsr trip = xsmcGetHostDataValidate(xsThis, (void *)&xsMeterTripHooks);

	builtinCriticalSectionBegin();
		trip->tripped = 0;
	builtinCriticalSectionEnd();
	gpio_intr_enable(trip->pin);
}

void xs_meter_trip_get_fires(xsMachine *the)
{
	TripIsr trip = xsmcGetHostDataValidate(xsThis, (void *)&xsMeterTripHooks);

	xsmcSetInteger(xsResult, trip->fires);
}

void xs_meter_trip_get_tripped(xsMachine *the)
{
	TripIsr trip = xsmcGetHostDataValidate(xsThis, (void *)&xsMeterTripHooks);

	xsmcSetInteger(xsResult, trip->tripped ? 1 : 0);
}

/* ISR: the relays first, then the bookkeeping and the message */
static void IRAM_ATTR tripISR(void *refcon)
{
	TripIsr trip = refcon;
	uint8_t i;

	for (i = 0; i < trip->relayCount; i++)
		gpio_set_level(trip->relays[i], trip->level);
	gpio_intr_disable(trip->pin);
	trip->fires += 1;
	if (!trip->tripped) {
		trip->tripped = 1;
		__atomic_add_fetch(&trip->useCount, 1, __ATOMIC_SEQ_CST);
		modMessagePostToMachineFromISR(trip->the, tripDeliver, trip);
	}
}

static void tripDeliver(void *the, void *refcon, uint8_t *message, uint16_t messageLength)
{
	TripIsr trip = refcon;

	if (trip->installed) {
		xsBeginHost(trip->the);
			xsCallFunction0(xsReference(trip->onTrip), trip->obj);
		xsEndHost(trip->the);
	}

	if (0 == __atomic_sub_fetch(&trip->useCount, 1, __ATOMIC_SEQ_CST))	// closed while queued or in onTrip
		c_free(trip);
	(void)message;
	(void)messageLength;
}
