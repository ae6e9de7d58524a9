import test from 'ava';
import { fuzzRuns, reportSeed } from './support/fc-seed';
import fc from 'fast-check';
import { ReplayWindow, PersistentReplayWindow, REPLAY_WINDOW } from '../firmware/link/replay';
import { SimStore, PowerCut } from '../hal/sim/store';

/** Reference model: a set of accepted counters and the highest one. */
function model(seq: number[]): string[] {
  const acc = new Set<number>();
  let top = -1;
  const out: string[] = [];
  for (const c of seq) {
    let v = '';
    if (c <= top && c + REPLAY_WINDOW <= top) v = 'old';
    else if (acc.has(c)) v = 'replay';
    out.push(v);
    if (v === '') {
      acc.add(c);
      if (c > top) top = c;
    }
  }
  return out;
}

test('in-order, duplicate, reordered and too-old counters', (t) => {
  const w = new ReplayWindow();
  const step = (c: number) => {
    const v = w.check(c);
    if (v === '') w.accept(c);
    return v;
  };
  t.is(step(0), '');
  t.is(step(0), 'replay');
  t.is(step(5), '');
  t.is(step(3), ''); // reordered, inside the window
  t.is(step(3), 'replay');
  t.is(step(200), '');
  t.is(step(200 - 63), ''); // the deepest slot the window guarantees
  t.is(step(200 - 64), 'old');
  t.is(step(5), 'old');
  t.is(step(0xfffffffe), ''); // full u32 range
  t.is(step(0xfffffffe), 'replay');
  t.is(step(0xfffffffe - 63), '');
});

test('check() alone never changes the window (update only after the tag verifies)', (t) => {
  const w = new ReplayWindow();
  w.accept(10);
  for (let c = 0; c < 100; c++) w.check(c);
  t.is(w.top, 10);
  t.is(w.check(11), '');
  t.is(w.check(10), 'replay');
});

test('agrees with a set-based model on random counter streams', (t) => {
  fc.assert(
    fc.property(fc.array(fc.oneof(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 0xfffffffe })), { maxLength: 200 }), (seq) => {
      const w = new ReplayWindow();
      const got = seq.map((c) => {
        const v = w.check(c);
        if (v === '') w.accept(c);
        return v;
      });
      return JSON.stringify(got) === JSON.stringify(model(seq));
    }),
    { numRuns: fuzzRuns(500) },
  );
  t.pass();
});

test('persistent window gives the same decisions after a control-unit reboot', (t) => {
  const s = new SimStore();
  let p = new PersistentReplayWindow(s, 'rx1u');
  for (const c of [1, 2, 3, 7, 5]) {
    t.is(p.check(c), '');
    p.accept(c);
  }
  p = new PersistentReplayWindow(s, 'rx1u'); // reboot
  t.is(p.check(5), 'replay');
  t.is(p.check(7), 'replay');
  t.is(p.check(6), '');
  t.is(p.check(8), '');
});

test('power cut while persisting an accept: the frame is not accepted, nothing older is forgotten', (t) => {
  for (let cut = 0; cut < 28; cut++) {
    const s = new SimStore();
    const p = new PersistentReplayWindow(s, 'rx');
    p.accept(1);
    p.accept(2);
    s.cutPowerAfterBytes(cut);
    t.throws(() => p.accept(3), { instanceOf: PowerCut });
    const q = new PersistentReplayWindow(s, 'rx');
    t.is(q.check(1), 'replay');
    t.is(q.check(2), 'replay');
  }
});

reportSeed((fn) => test.after.always(fn), 'link-replay.test.ts');
