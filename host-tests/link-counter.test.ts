import test from 'ava';
import { fuzzRuns, reportSeed } from './support/fc-seed';
import fc from 'fast-check';
import { SimStore, PowerCut } from '../hal/sim/store';
import { FrameCounter, COUNTER_MAX } from '../firmware/link/counter';
import { putU32 } from '../firmware/store/records';
import { PersistentRecord } from '../firmware/store/records';

test('counts up from 0 and writes one mark per reserve', (t) => {
  const s = new SimStore();
  const c = new FrameCounter(s, 'ctr', 10);
  const got: number[] = [];
  for (let i = 0; i < 25; i++) got.push(c.next());
  t.deepEqual(
    got,
    Array.from({ length: 25 }, (_, i) => i),
  );
  t.is(c.markWrites, 3); // marks 10, 20, 30
  t.is(c.persistedMark(), 30);
});

test('a reboot resumes at the persisted mark, skipping at most the reserve', (t) => {
  const s = new SimStore();
  const a = new FrameCounter(s, 'ctr', 1000);
  for (let i = 0; i < 5; i++) a.next();
  const b = new FrameCounter(s, 'ctr', 1000);
  t.is(b.next(), 1000);
});

test('bad reserve is refused with the field and range', (t) => {
  t.throws(() => new FrameCounter(new SimStore(), 'c', 0), { message: /reserve 0 out of range 1\.\.1000000/ });
});

test('exhaustion returns -1 instead of wrapping', (t) => {
  const s = new SimStore();
  const rec = new PersistentRecord(s, 'ctr');
  const m = new Uint8Array(4);
  putU32(m, 0, COUNTER_MAX - 1);
  rec.write(m);
  const c = new FrameCounter(s, 'ctr', 1000);
  t.is(c.next(), COUNTER_MAX - 1);
  t.is(c.next(), COUNTER_MAX);
  t.is(c.next(), -1);
  t.is(c.next(), -1);
});

// Issue #3 acceptance: 0 counter reuse in power-cut tests. A run is a series of boots;
// each boot hands out some values; one store write in the run is cut at some byte.
// Every value ever handed out (and so possibly sent) must be distinct.
test('power cut at any byte of any mark write never reuses a counter value', (t) => {
  let checkedCuts = 0;
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 5 }),
      fc.array(fc.integer({ min: 0, max: 12 }), { minLength: 1, maxLength: 6 }),
      fc.constantFrom<'old' | 'erased'>('old', 'erased'),
      (reserve, boots, fill) => {
        // count the writes an uncut run makes, then cut each one at each byte
        const dry = new SimStore();
        for (const n of boots) {
          const c = new FrameCounter(dry, 'ctr', reserve);
          for (let i = 0; i < n; i++) c.next();
        }
        const totalWrites = dry.writes;
        const slotBytes = 8 + 4 + 4;
        for (let w = 0; w < totalWrites; w++) {
          for (let cut = 0; cut <= slotBytes; cut++) {
            const s = new SimStore();
            const seen = new Set<number>();
            let armed = false;
            for (const n of boots) {
              let c = new FrameCounter(s, 'ctr', reserve);
              for (let i = 0; i < n; i++) {
                if (!armed && s.writes === w) {
                  s.cutPowerAfterBytes(cut, fill);
                  armed = true;
                }
                let v: number;
                try {
                  v = c.next();
                } catch (e) {
                  if (!(e instanceof PowerCut)) throw e;
                  c = new FrameCounter(s, 'ctr', reserve); // reboot
                  v = c.next();
                }
                if (seen.has(v)) return false;
                seen.add(v);
              }
            }
            checkedCuts++;
          }
        }
        return true;
      },
    ),
    { numRuns: fuzzRuns(80) },
  );
  t.true(checkedCuts > 100);
});

reportSeed((fn) => test.after.always(fn), 'link-counter.test.ts');
