import test from 'ava';
import { fuzzRuns, reportSeed } from './support/fc-seed';
import fc from 'fast-check';
import { fragmentMessage, Reassembler, maxMessage } from '../firmware/link/fragment';
import { maxBody, PROFILE_NRF24, PROFILE_LORA } from '../firmware/link/frame';

const BODY = maxBody(PROFILE_NRF24); // 18

test('a 256-byte message is the nRF24 maximum, in 16 fragments of at most 18 bytes', (t) => {
  t.is(maxMessage(BODY), 256);
  const frags = fragmentMessage(1, new Uint8Array(256).fill(7), BODY);
  if (typeof frags === 'string') return t.fail(frags);
  t.is(frags.length, 16);
  t.true(frags.every((f) => f.length <= BODY));
  t.is(fragmentMessage(1, new Uint8Array(257), BODY), 'message length 257 out of range 1..256');
  t.is(fragmentMessage(1, new Uint8Array(0), BODY), 'message length 0 out of range 1..256');
});

test('survives loss (timeout), duplication and reordering', (t) => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 1, maxLength: 256 }),
      fc.integer({ min: 0, max: 255 }),
      fc.array(fc.nat(), { maxLength: 40 }), // delivery order: indices into the fragment list (dups allowed)
      fc.boolean(),
      (msg, id, order, withAll) => {
        const frags = fragmentMessage(id, msg, BODY);
        if (typeof frags === 'string') return false;
        const deliver = order.map((k) => k % frags.length);
        if (withAll) for (let i = 0; i < frags.length; i++) deliver.splice(order.length ? order[i % order.length] % (deliver.length + 1) : 0, 0, i);
        const r = new Reassembler(BODY, 2, 5_000_000);
        let got: Uint8Array | undefined;
        let completions = 0;
        let t0 = 0;
        for (const k of deliver) {
          const res = r.add(9, frags[k], frags[k].length, (t0 += 1000));
          if (res.status === 'complete') {
            got = res.message;
            completions++;
          }
        }
        const all = new Set(deliver).size === frags.length;
        if (all !== (completions === 1)) return false;
        if (all && Buffer.compare(Buffer.from(got as Uint8Array), Buffer.from(msg)) !== 0) return false;
        if (!all && r.inProgress() !== (deliver.length > 0 ? 1 : 0)) return false;
        // loss: after the timeout the incomplete message is gone
        r.expire(t0 + 5_000_001);
        return r.inProgress() === 0;
      },
    ),
    { numRuns: fuzzRuns(400) },
  );
  t.pass();
});

test('interleaved messages from two sources, conflicting fragments and wrong counts', (t) => {
  const r = new Reassembler(BODY, 4, 1e6);
  const a = fragmentMessage(
    1,
    Uint8Array.from({ length: 40 }, (_, i) => i),
    BODY,
  ) as Uint8Array[];
  const b = fragmentMessage(
    1,
    Uint8Array.from({ length: 40 }, (_, i) => 100 + i),
    BODY,
  ) as Uint8Array[];
  t.is(r.add(1, a[0], a[0].length, 0).status, 'partial');
  t.is(r.add(2, b[2], b[2].length, 1).status, 'partial');
  t.is(r.add(2, b[0], b[0].length, 2).status, 'partial');
  t.is(r.add(1, a[2], a[2].length, 3).status, 'partial');
  const ca = r.add(1, a[1], a[1].length, 4);
  const cb = r.add(2, b[1], b[1].length, 5);
  t.true(ca.status === 'complete' && ca.message[39] === 39);
  t.true(cb.status === 'complete' && cb.message[39] === 139);
  t.deepEqual(r.add(1, a[1], a[1].length, 6), { status: 'rejected', reason: 'duplicate' });
  // conflicting content for an index already held drops the assembly
  const c = fragmentMessage(5, new Uint8Array(40).fill(1), BODY) as Uint8Array[];
  const c0x = c[0].slice();
  c0x[5] ^= 1;
  r.add(3, c[0], c[0].length, 10);
  t.deepEqual(r.add(3, c0x, c0x.length, 11), { status: 'rejected', reason: 'conflict' });
  t.is(r.inProgress(), 0);
  // a different fragment count for the same id
  r.add(3, c[0], c[0].length, 12);
  const wrong = c[1].slice();
  wrong[1] = (1 << 4) | 1; // index 1 of 2, but the assembly expects 3
  t.deepEqual(r.add(3, wrong, wrong.length, 13), { status: 'rejected', reason: 'count' });
});

test('LoRa bodies fragment too', (t) => {
  const body = maxBody(PROFILE_LORA);
  const msg = Uint8Array.from({ length: maxMessage(body) }, (_, i) => i & 0xff);
  const frags = fragmentMessage(0, msg, body) as Uint8Array[];
  const r = new Reassembler(body, 1, 1e6);
  let out: Uint8Array | undefined;
  for (let i = frags.length - 1; i >= 0; i--) {
    const res = r.add(0, frags[i], frags[i].length, 0);
    if (res.status === 'complete') out = res.message;
  }
  t.deepEqual(out && [...out], [...msg]);
});

reportSeed((fn) => test.after.always(fn), 'link-fragment.test.ts');
