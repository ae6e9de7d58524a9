import test from 'ava';
import type { BoardDescription } from '../boards/board';
import boardJson from '../boards/esp32-devkitc-meter.json';
import { SimBoard, type SimBoardOptions } from '../hal/sim/board';
import type { ComparatorPath } from '../hal/sim/comparator';
import { EDGE_RISING } from '../hal/io';

const BOARD = boardJson as BoardDescription;

/** A minimal "firmware": opens the relays from the comparator callback (JS thread). */
function tripFirmware(board: SimBoard) {
  const d = board.device;
  const main = new d.io.Digital({ pin: d.pin.relayMain, mode: 'output' });
  const aux = new d.io.Digital({ pin: d.pin.relayAux, mode: 'output' });
  main.write(1);
  aux.write(1);
  const seen: number[] = [];
  const comp = new d.io.Digital({
    pin: d.pin.comparator,
    mode: 'input',
    edge: EDGE_RISING,
    onReadable: () => {
      seen.push(board.now());
      main.write(0);
      aux.write(0);
    },
  });
  return { main, aux, comp, seen };
}

function make(path: ComparatorPath, extra: Partial<SimBoardOptions> = {}) {
  const board = new SimBoard({ board: BOARD, relaysClosedAtStart: true, comparatorPath: path, ...extra });
  return { board, fw: tripFirmware(board) };
}

test('relay: contacts close operateMs after energising and open releaseMs after de-energising', (t) => {
  const board = new SimBoard({ board: BOARD });
  const d = board.device;
  const main = new d.io.Digital({ pin: d.pin.relayMain, mode: 'output' });
  t.false(board.relays.main.contactsClosed());
  board.sched.at(1000, () => main.write(1));
  board.sched.at(50_000, () => main.write(0));
  board.run(100_000);
  const r = board.relays.main;
  t.false(r.contactsClosed(10_999));
  t.true(r.contactsClosed(11_000));
  t.true(r.contactsClosed(57_999));
  t.false(r.contactsClosed(58_000));
  t.deepEqual(r.commands, [
    { tUs: 1000, energised: true, source: 'js' },
    { tUs: 50_000, energised: false, source: 'js' },
  ]);
  t.is(board.ampsAt(30_000), board.mains.sampleI(30_000));
  t.is(board.ampsAt(60_000), 0);
  t.true(Math.abs(board.voltsAt(65_000)) > 100); // V sensor is on the supply side
  t.is(board.truth(70_000).irms, 0);
});

test('relay: activeHigh false inverts the drive level', (t) => {
  const b = { ...BOARD, relay: { activeHigh: false, releaseMs: 5, operateMs: 7 } };
  const board = new SimBoard({ board: b });
  const d = board.device;
  const main = new d.io.Digital({ pin: d.pin.relayMain, mode: 'output' });
  t.is(main.read(), 1); // idle level of an active-low driver
  main.write(0);
  board.run(10_000);
  t.true(board.relays.main.contactsClosed());
  t.true(board.relays.main.energised);
});

test('no comparator work while the current is far below the threshold', (t) => {
  const { board } = make('latch');
  board.run(5e6);
  t.is(board.comparator.steps, 0);
  t.is(board.comparatorEvents.length, 0);
});

test('latch path: relays forced off within µs of the fault even during a 2 s busy()', (t) => {
  const { board, fw } = make('latch');
  board.sched.at(50_000, () => board.sched.busy(2e6));
  const onset = board.inject({ kind: 'shortCircuit', atUs: 100_000, prospectiveA: 1000 });
  board.run(3e6);
  const cmd = board.relays.main.firstOpenCommandAfter(onset);
  t.truthy(cmd);
  t.is(cmd?.source, 'latch');
  const latency = (cmd?.tUs as number) - onset;
  // i = 1414 sin(wt) passes 60 A after 135 µs; the comparator grid is 10 µs
  t.true(latency > 100 && latency <= 150, `latency ${latency}`);
  t.is(board.comparatorEvents[0].path, 'latch');
  t.is(board.relays.aux.firstOpenCommandAfter(onset)?.source, 'latch');
  t.false(board.relays.main.contactsClosed(onset + latency + 8000));
  t.is(board.ampsAt(onset + latency + 8000), 0);
  // the firmware hears about it only when the JS thread frees up
  t.is(fw.seen.length, 1);
  t.true(fw.seen[0] >= 2_050_000);
  t.is(fw.comp.read(), 1); // the pin reads the latch
  t.is(board.comparator.latched, 1);
});

test('js path: the trip waits for the JS thread', (t) => {
  const { board, fw } = make('js');
  board.sched.at(50_000, () => board.sched.busy(2e6));
  const onset = board.inject({ kind: 'shortCircuit', atUs: 100_000, prospectiveA: 1000 });
  board.run(3e6);
  const cmd = board.relays.main.firstOpenCommandAfter(onset);
  t.is(cmd?.source, 'js');
  t.is(cmd?.tUs, 2_050_000 + 50); // busy end + callback cost
  t.is(fw.seen[0], 2_050_050);
  t.true(board.comparatorEvents.length > 1); // the raw comparator pulses every half cycle
});

test('js path without busy: trip within edge + callback cost', (t) => {
  const { board } = make('js', { callbackCostUs: 80 });
  const onset = board.inject({ kind: 'shortCircuit', atUs: 100_000, prospectiveA: 1000 });
  board.run(200_000);
  const edge = board.comparatorEvents[0].tUs;
  t.is(board.relays.main.firstOpenCommandAfter(onset)?.tUs, edge + 80);
});

test('native-isr path: relays off 20 µs after the edge, independent of busy()', (t) => {
  const { board, fw } = make('native-isr');
  board.sched.at(50_000, () => board.sched.busy(2e6));
  const onset = board.inject({ kind: 'shortCircuit', atUs: 100_000, prospectiveA: 1000 });
  board.run(3e6);
  const edge = board.comparatorEvents[0].tUs;
  const cmd = board.relays.main.firstOpenCommandAfter(onset);
  t.is(cmd?.source, 'native-isr');
  t.is(cmd?.tUs, edge + 20);
  t.is(fw.main.read(), 0); // the ISR drove the GPIO itself
  t.true(fw.seen[0] > 2e6);
});

test('latch reset: a pulse clears the latch; the relays follow the GPIO again', (t) => {
  const { board, fw } = make('latch');
  const d = board.device;
  const reset = new d.io.Digital({ pin: d.pin.latchReset, mode: 'output' });
  board.inject({ kind: 'shortCircuit', atUs: 20_000, prospectiveA: 500, durationUs: 30_000 });
  board.run(100_000);
  t.is(board.comparator.latched, 1);
  t.false(board.relays.main.energised);
  // firmware already wrote 0 from its callback; pulse reset, then reclose
  reset.write(1);
  reset.write(0);
  t.is(board.comparator.latched, 0);
  t.is(fw.comp.read(), 0);
  t.false(board.relays.main.energised);
  fw.main.write(1);
  t.true(board.relays.main.energised);
  board.run(20_000);
  t.true(board.relays.main.contactsClosed());
  t.is(board.relays.main.commands.filter((c) => c.source === 'latch').length, 1);
});

test('overload ramp: the comparator wakes when the peak current crosses the threshold', (t) => {
  const { board } = make('latch');
  // 5 A -> 50 A rms over 1 s: sqrt2 * I > 60 A once I > 42.43 A, at about 0.832 s
  board.inject({ kind: 'overloadRamp', atUs: 1e6, fromA: 5, toA: 50, rampUs: 1e6 });
  board.run(3e6);
  const ev = board.comparatorEvents[0];
  t.truthy(ev);
  t.true(ev.tUs > 1.83e6 && ev.tUs < 1.845e6, `trip at ${ev.tUs}`);
  t.false(board.relays.main.energised);
  // stepping only around the crossing, then quiet once the contacts opened
  t.true(board.comparator.steps < 5000, `steps ${board.comparator.steps}`);
});

test('bad comparator settings are rejected', (t) => {
  t.throws(() => new SimBoard({ board: BOARD, comparatorPath: 'magic' as ComparatorPath }), { message: /comparatorPath/ });
  const b = { ...BOARD, frontend: { ...(BOARD.frontend as NonNullable<BoardDescription['frontend']>), comparatorPeakAmps: 0 } };
  t.throws(() => new SimBoard({ board: b }), { message: /comparatorPeakAmps/ });
});
