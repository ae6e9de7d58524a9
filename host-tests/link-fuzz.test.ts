// Fuzzing of everything that parses radio bytes. `npm test` runs a short pass; a longer
// one: FUZZ_RUNS=20000 npx ava host-tests/link-fuzz.test.ts
import test from 'ava';
import { fuzzRuns, reportSeed } from './support/fc-seed';
import fc from 'fast-check';
import { ReplayWindow } from '../firmware/link/replay';
import { LinkSender, LinkReceiver, PROFILE_NRF24, PROFILE_LORA, DIR_UP, REJECT_REASONS, MSG_TELEMETRY, type RadioProfile } from '../firmware/link/frame';
import { Reassembler, fragmentMessage, maxMessage } from '../firmware/link/fragment';
import { decodeTelemetry, newTelemetryReading } from '../firmware/link/telemetry';
import { maxBody } from '../firmware/link/frame';

const key = Uint8Array.from({ length: 32 }, (_, i) => (i * 7) & 0xff);

function genuine(profile: RadioProfile, n: number): Uint8Array[] {
  let c = 0;
  const tx = new LinkSender(profile, key, 3, 5, DIR_UP, { next: () => c++ });
  const out: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    const body = Uint8Array.from({ length: 16 }, (_, k) => k + i);
    const r = tx.seal(MSG_TELEMETRY, body, body.length);
    if (r.ok) out.push(r.frame.slice());
  }
  return out;
}

for (const profile of [PROFILE_NRF24, PROFILE_LORA]) {
  test(`${profile.name}: frame decoder never throws and every rejection has a known reason`, (t) => {
    const valid = genuine(profile, 8);
    const anyFrame = fc.oneof(
      fc.uint8Array({ minLength: 0, maxLength: profile.maxFrame + 8 }),
      // mutations of genuine frames: flips, truncation, extension, splices
      fc
        .tuple(fc.nat(7), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { maxLength: 4 }), fc.integer({ min: -6, max: 3 }))
        .map(([k, flips, dl]) => {
          const f = valid[k];
          const len = Math.max(0, f.length + dl);
          const g = new Uint8Array(len);
          g.set(f.subarray(0, Math.min(len, f.length)));
          for (const [at, x] of flips) if (len > 0) g[at % len] ^= x;
          return g;
        }),
      fc.nat(7).map((k) => valid[k].slice()), // genuine, possibly repeated (replay)
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(anyFrame, fc.integer({ min: -3, max: 3 })), { maxLength: 30 }), (frames) => {
        const rx = new LinkReceiver(profile, 5, DIR_UP, key, 3, new ReplayWindow());
        const accepted = new Set<string>();
        for (const [f, dlen] of frames) {
          const len = Math.max(0, f.length + dlen); // a wrong length argument must be safe too
          const o = rx.open(f, len);
          if (o.ok) {
            const hex = Buffer.from(f.subarray(0, len)).toString('hex');
            if (!valid.some((v) => Buffer.from(v).toString('hex') === hex)) return false; // forgery accepted
            if (accepted.has(hex)) return false; // replay accepted
            accepted.add(hex);
          } else if (!REJECT_REASONS.includes(o.reason)) return false;
        }
        const rejected = Object.values(rx.rejects).reduce((a, b) => a + b, 0);
        return rejected + rx.accepted === frames.length;
      }),
      { numRuns: fuzzRuns(300) },
    );
    t.log(`${fuzzRuns(300)} runs`);
    t.pass();
  });
}

test('reassembler never throws, never overflows, and names every rejection', (t) => {
  const body = maxBody(PROFILE_NRF24);
  const real = fragmentMessage(
    4,
    Uint8Array.from({ length: 100 }, (_, i) => i),
    body,
  ) as Uint8Array[];
  const frag = fc.oneof(
    fc.uint8Array({ minLength: 0, maxLength: body + 4 }),
    fc.tuple(fc.nat(real.length - 1), fc.nat(), fc.integer({ min: 0, max: 255 })).map(([k, at, x]) => {
      const g = real[k].slice();
      g[at % g.length] ^= x;
      return g;
    }),
    fc.nat(real.length - 1).map((k) => real[k]),
  );
  const reasons = ['short', 'long', 'index', 'size', 'count', 'conflict', 'duplicate'];
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), frag, fc.integer({ min: -2, max: 2 }), fc.integer({ min: 0, max: 3_000_000 })), { maxLength: 60 }),
      (steps) => {
        const r = new Reassembler(body, 3, 2_000_000);
        let now = 0;
        for (const [src, f, dl, dt] of steps) {
          now += dt;
          const res = r.add(src, f, Math.max(0, f.length + dl), now);
          if (res.status === 'rejected' && !reasons.includes(res.reason)) return false;
          if (res.status === 'complete' && (res.message.length < 1 || res.message.length > maxMessage(body))) return false;
          if (r.inProgress() > 3) return false;
        }
        return true;
      },
    ),
    { numRuns: fuzzRuns(300) },
  );
  t.pass();
});

test('telemetry decoder never throws on any body', (t) => {
  const into = newTelemetryReading();
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 24 }), fc.integer({ min: -2, max: 30 }), (b, len) => {
      const r = decodeTelemetry(b, len, into);
      return r.ok ? len === 18 : r.reason === 'length' || r.reason === 'range';
    }),
    { numRuns: fuzzRuns(300) },
  );
  t.pass();
});

reportSeed((fn) => test.after.always(fn), 'link-fuzz.test.ts');
