// The sliced Ed25519 verify (firmware/link/ed25519-sliced.ts): the same verdict as
// nacl.sign.detached.verify for every input, in Node and XS; the XS cost of its largest
// unit (a slice is any number of units); and the trip latency on a JS-only comparator
// path when a verify runs in slices instead of in one piece.
// Figures: npx ava --verbose host-tests/link-sliced-verify.test.ts
import test from 'ava';
import { fuzzRuns, reportSeed } from './support/fc-seed';
import fc from 'fast-check';
import nacl from 'tweetnacl';
import type { BoardDescription } from '../boards/board';
import boardJson from '../boards/esp32-devkitc-meter.json';
import { SimBoard } from '../hal/sim/board';
import { SlicedVerify } from '../firmware/link/ed25519-sliced';
import { EngineSession } from '../tools/engines/run';
import { bundleForXs } from '../tools/engines/bundle';
import { XsWorker } from '../tools/engines/xsnap';

const ENTRY = 'firmware/link/parity-entry.ts';
const session = new EngineSession();
test.after.always(() => session.close());

function finish(v: SlicedVerify): string {
  let s = v.run(1);
  while (s === 'running') s = v.run(7);
  return s;
}

test('same verdict as nacl.sign.detached.verify: genuine, mutated, wrong key, junk', (t) => {
  const seeds = fc.uint8Array({ minLength: 32, maxLength: 32 });
  fc.assert(
    fc.property(
      seeds,
      fc.uint8Array({ minLength: 0, maxLength: 120 }),
      fc.nat(),
      fc.constantFrom('genuine', 'sig', 'msg', 'key', 'junk'),
      (seed, msg, at, how) => {
        const kp = nacl.sign.keyPair.fromSeed(seed);
        let sig = nacl.sign.detached(msg, kp.secretKey);
        let pk = kp.publicKey;
        const m = msg.slice();
        if (how === 'sig') sig[at % 64] ^= 1 << (at % 8);
        if (how === 'msg' && m.length > 0) m[at % m.length] ^= 1;
        if (how === 'key') pk = nacl.sign.keyPair.fromSeed(seed.map((x) => x ^ 1)).publicKey;
        if (how === 'junk') {
          sig = seed.length === 32 ? Uint8Array.from([...seed, ...seed]) : sig;
          pk = seed;
        }
        const ref = nacl.sign.detached.verify(m, sig, pk);
        return (finish(new SlicedVerify(m, m.length, sig, pk)) === 'valid') === ref;
      },
    ),
    { numRuns: fuzzRuns(40) },
  );
  // bad lengths are invalid at once, without work
  const v = new SlicedVerify(new Uint8Array(4), 5, new Uint8Array(64), new Uint8Array(32));
  t.is(v.state, 'invalid');
  t.is(v.run(10), 'invalid');
  t.is(v.units, 0);
  t.is(finish(new SlicedVerify(new Uint8Array(1), 1, new Uint8Array(63), new Uint8Array(32))), 'invalid');
});

test('XS gives the same verdicts and unit counts as Node', async (t) => {
  for (const bad of [false, true]) {
    const node = await session.callNode(ENTRY, 'slicedVerifyAll', { bad });
    const xs = await session.callXs(ENTRY, 'slicedVerifyAll', { bad });
    t.deepEqual(xs.value, node);
    t.is((node as { state: string }).state, bad ? 'invalid' : 'valid');
  }
});

test('XS cost: the largest unit, the whole verify, and the slice length on an ESP32', async (t) => {
  const bundle = await bundleForXs(ENTRY);
  const w = await XsWorker.start({ name: 'sliced' });
  try {
    await w.evaluate(bundle.code);
    await w.evaluate(`var entry = globalThis[${JSON.stringify(bundle.globalName)}]; globalThis.st = entry.slicedVerifySetup(false); globalThis.r = '';`);
    const empty = (await w.evaluate(`globalThis.r = 'running';`)).compute;
    const costs: number[] = [];
    for (let k = 0; k < 2000; k++) {
      const m = await w.evaluate(`globalThis.r = entry.slicedVerifyUnit(st); if (r !== 'running') throw new Error('done ' + r);`).catch((e: Error) => e);
      if (m instanceof Error) {
        t.regex(m.message, /done valid/);
        break;
      }
      costs.push(m.compute - empty);
    }
    const max = Math.max(...costs);
    const total = costs.reduce((a, b) => a + b, 0);
    const ladder = costs.slice(40, 290).reduce((a, b) => a + b, 0) / 250;
    t.log(
      `xs.computrons_verify_unit_max ${Math.round(max)} (unit ${costs.indexOf(max)} of ${costs.length + 1}; top: ${costs
        .map((c, i) => [Math.round(c), i])
        .sort((a, b) => b[0] - a[0])
        .slice(0, 5)
        .map((x) => x.join('@'))
        .join(' ')})`,
    );
    t.log(`xs.computrons_verify_ladder_step ${Math.round(ladder)}`);
    t.log(`xs.computrons_verify_sliced_total ${Math.round(total)} (one-piece verify ~43.5 M)`);
    t.log(`slice of 1 unit on an ESP32 at 2 M computrons/s: ${Math.round((max / 2e6) * 1000)} ms at most`);
    t.true(costs.length > 500);
    t.true(max < 1.5e6, `largest unit ${max}`);
    t.true(total < 60e6);
  } finally {
    await w.close();
  }
});

// the JS-only comparator path: the trip waits for whatever holds the JS thread
function tripDuringVerify(sliceUs: number, totalUs: number): number {
  const board = new SimBoard({ board: boardJson as BoardDescription, seed: 3, relaysClosedAtStart: true, comparatorPath: 'js' });
  const d = board.device;
  const relay = new d.io.Digital({ pin: d.pin.relayMain, mode: 'output' });
  new d.io.Digital({ pin: d.pin.comparator, mode: 'input', edge: 1, onReadable: () => relay.write(0) });
  // the verify as a chain of timer slices: each holds the thread for sliceUs, then yields
  let left = totalUs;
  const slice = () => {
    board.sched.busy(Math.min(sliceUs, left));
    left -= sliceUs;
    if (left > 0) d.timer.set(slice, 0);
  };
  board.sched.js(1e6, slice, 0);
  const onset = board.inject({ kind: 'shortCircuit', atUs: 2e6 + 1234, prospectiveA: 400 });
  board.run(totalUs + 3e6);
  const cmd = board.relays.main.firstOpenCommandAfter(onset);
  return cmd === undefined ? Infinity : cmd.tUs - onset;
}

test('on a JS-only trip path a sliced verify keeps the trip within a slice; one piece does not', (t) => {
  // ~20 s of verify at 2 M computrons/s; slices of one ladder step (~40 ms) or of 1 ms
  const whole = tripDuringVerify(20e6, 20e6);
  const step = tripDuringVerify(40e3, 20e6);
  const ms1 = tripDuringVerify(1e3, 20e6);
  t.log(
    `JS-path trip latency during a 20 s verify: one piece ${Math.round(whole / 1e3)} ms, 40 ms slices ${Math.round(step / 1e3)} ms, 1 ms slices ${Math.round(ms1 / 1e3)} ms`,
  );
  t.true(whole > 1e6);
  t.true(step <= 41e3);
  t.true(ms1 <= 2e3);
});

reportSeed((fn) => test.after.always(fn), 'link-sliced-verify.test.ts');
