// HOTP/TOTP and the hashes under them: every RFC appendix vector, node:crypto on random
// hashes and HMACs, and otplib 13.5.0 on random keys, counters, times and parameters.
import test from 'ava';
import fc from 'fast-check';
import { createHash, createHmac } from 'node:crypto';
import { createGuardrails, generateSync } from 'otplib';
import { base32, base32Decode, hotp, totp, totpMatch, wellFormedCode } from '../firmware/access/otp';
import type { HashName } from '../firmware/access/sha';
import { hash, hmac } from '../firmware/access/sha';
import { fuzzRuns, reportSeed } from './support/fc-seed';
import { runOtpVectors } from './vectors/otp-rfc';

reportSeed(test.after.always, 'access-otp.test.ts');

const NODE: Record<HashName, string> = { SHA1: 'sha1', SHA256: 'sha256', SHA512: 'sha512' };
const algs = fc.constantFrom<HashName>('SHA1', 'SHA256', 'SHA512');

test('every test vector of RFC 4226 Appendix D and RFC 6238 Appendix B', (t) => {
  const r = runOtpVectors();
  t.deepEqual(r.failures, []);
  t.is(r.total, 38);
  t.is(r.passed, 38);
});

test('SHA-1/256/512 and HMAC match node:crypto on random messages and keys (block edges included)', (t) => {
  fc.assert(
    fc.property(algs, fc.uint8Array({ maxLength: 300 }), fc.uint8Array({ maxLength: 200 }), (alg, m, k) => {
      const h = Buffer.from(hash(alg, m)).toString('hex');
      const mac = Buffer.from(hmac(alg, k, m)).toString('hex');
      return h === createHash(NODE[alg]).update(m).digest('hex') && mac === createHmac(NODE[alg], k).update(m).digest('hex');
    }),
    { numRuns: fuzzRuns(300) },
  );
  for (let n = 50; n < 70; n++) {
    const m = new Uint8Array(n).fill(0x61);
    t.is(Buffer.from(hash('SHA1', m)).toString('hex'), createHash('sha1').update(m).digest('hex'), `${n} bytes`);
    t.is(Buffer.from(hash('SHA256', m)).toString('hex'), createHash('sha256').update(m).digest('hex'), `${n} bytes`);
  }
});

test('HOTP and TOTP match otplib 13.5.0 on random keys, counters, times, digits and hashes', (t) => {
  const guardrails = createGuardrails({ MIN_SECRET_BYTES: 1 });
  fc.assert(
    fc.property(
      algs,
      fc.uint8Array({ minLength: 16, maxLength: 64 }),
      fc.integer({ min: 6, max: 8 }),
      fc.integer({ min: 0, max: 2 ** 40 }),
      fc.integer({ min: 1, max: 120 }),
      fc.integer({ min: 0, max: 1e9 }),
      (alg, key, digits, unixS, periodS, counter) => {
        const algorithm = alg.toLowerCase() as 'sha1';
        const mineT = totp(key, unixS, { alg, digits, periodS, t0S: 0 });
        const theirsT = generateSync({ secret: key, epoch: unixS, period: periodS, digits, algorithm, guardrails } as any);
        const mineH = hotp(key, counter, { alg, digits });
        const theirsH = generateSync({ strategy: 'hotp', secret: key, counter, digits, algorithm, guardrails } as any);
        return mineT === theirsT && mineH === theirsH;
      },
    ),
    { numRuns: fuzzRuns(200) },
  );
  t.pass();
});

test('totpMatch: ±1 step window, steps already used are skipped, malformed codes are caught before hashing', (t) => {
  const key = new Uint8Array(20).fill(7);
  const p = { alg: 'SHA1' as const, digits: 6, periodS: 30, t0S: 0 };
  const now = 1_800_000_000;
  const step = Math.floor(now / 30);
  t.is(totpMatch(key, totp(key, now, p), now, p, 1, -1), step);
  t.is(totpMatch(key, totp(key, now - 30, p), now, p, 1, -1), step - 1);
  t.is(totpMatch(key, totp(key, now + 30, p), now, p, 1, -1), step + 1);
  t.is(totpMatch(key, totp(key, now - 60, p), now, p, 1, -1), -1);
  t.is(totpMatch(key, totp(key, now, p), now, p, 1, step), -1, 'used');
  t.true(wellFormedCode('012345', 6));
  for (const bad of ['', '12345', '1234567', '12a456', ' 12345', '١٢٣٤٥٦']) t.false(wellFormedCode(bad, 6), bad);
});

test('base32 (RFC 4648) round-trips and matches the RFC examples', (t) => {
  t.is(base32(Uint8Array.from('foobar', (c) => c.charCodeAt(0))), 'MZXW6YTBOI');
  t.deepEqual(
    base32Decode('mzxw6ytboi======'),
    Uint8Array.from('foobar', (c) => c.charCodeAt(0)),
  );
  t.is(base32Decode('MZ1W'), undefined);
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), (b) => Buffer.from(base32Decode(base32(b)) as Uint8Array).equals(Buffer.from(b))),
    { numRuns: fuzzRuns(100) },
  );
});
