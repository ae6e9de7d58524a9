// The access layer in the real engines: XS (xsnap) and Espruino (espruino-linux 2v29) give
// Node's HOTP/TOTP codes, hashes and R30x parser verdicts; and the XS cost of one TOTP check
// and one packet (figures: npm run bench, xs.computrons_totp / xs.computrons_fp_packet).
import test from 'ava';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { hashParity, otpParity, packetParity } from '../firmware/access/xs-entry';
import { r30xEncode } from '../firmware/access/r30x-packet';
import { bundleForEspruino } from '../tools/build/espruino/bundle';
import { EngineSession, measureXs } from '../tools/engines/run';
import { XSNAP_BINARY } from '../tools/engines/xsnap';
import { espruinoBinary } from '../tools/build/espruino/real';

const ENTRY = 'firmware/access/xs-entry.ts';
const session = new EngineSession();
test.after.always(() => session.close());
const haveXs = existsSync(XSNAP_BINARY);
const xsTest = haveXs ? test : test.skip;
const ESPRUINO = process.env.ESPRUINO_LINUX ?? espruinoBinary('linux');
const haveEsp = existsSync(ESPRUINO);
const espTest = haveEsp ? test : test.skip;

const key = Array.from({ length: 20 }, (_, i) => (i * 29 + 3) & 0xff);
const stream = (() => {
  const bad = Array.from(r30xEncode(0xffffffff, 7, [8]));
  bad[bad.length - 1] ^= 1;
  return [
    0,
    0xef,
    0xef,
    0x13,
    ...r30xEncode(0xffffffff, 7, [0, 0, 3, 0, 120]),
    ...bad,
    0xef,
    1,
    255,
    255,
    255,
    255,
    7,
    2,
    0,
    ...r30xEncode(0xffffffff, 7, [0]),
  ];
})();
const otpIn = { key, n: 12, unixS: 20000000000 };
const msgs = [
  [],
  [1, 2, 3],
  Array.from({ length: 55 }, (_, i) => i),
  Array.from({ length: 64 }, (_, i) => 255 - i),
  Array.from({ length: 130 }, (_, i) => i * 7),
];

xsTest(`XS gives Node's OTP codes, hashes and parser verdicts${haveXs ? '' : ' [SKIP: xsnap-worker not built]'}`, async (t) => {
  t.deepEqual((await session.callXs(ENTRY, 'otpParity', otpIn)).value, otpParity(otpIn));
  t.deepEqual((await session.callXs(ENTRY, 'packetParity', { bytes: stream })).value, packetParity({ bytes: stream }));
  t.deepEqual((await session.callXs(ENTRY, 'hashParity', { msgs })).value, hashParity({ msgs }));
});

xsTest(`XS cost: one TOTP check (SHA-1, ±1 step) and one R30x packet${haveXs ? '' : ' [SKIP]'}`, async (t) => {
  const totp = await measureXs(
    ENTRY,
    'globalThis.ob = entry.otpBenchSetup(); if (entry.otpBenchCheck(ob) < 0) throw new Error("no match");',
    'entry.otpBenchCheck(ob)',
    5,
  );
  const pkt = await measureXs(ENTRY, 'globalThis.pb = entry.packetBenchSetup();', 'entry.packetBenchParse(pb)', 50);
  t.log(`xs.computrons_totp ${Math.round(totp.computePerStep)}, xs.computrons_fp_packet ${Math.round(pkt.computePerStep)}`);
  // 3 HMAC-SHA-1 of 8 bytes: 12 compression blocks; ~0.1 s on an ESP32 at 2 M computrons/s
  t.true(totp.computePerStep > 1e4 && totp.computePerStep < 4e5);
  t.true(pkt.computePerStep > 100 && pkt.computePerStep < 5000);
});

espTest(`real Espruino gives Node's OTP codes, hashes and parser verdicts${haveEsp ? '' : ' [SKIP: espruino-linux missing]'}`, async (t) => {
  const b = await bundleForEspruino({ entry: 'tools/bench/access-espruino-entry.ts' });
  const dir = mkdtempSync(join(tmpdir(), 'access-espruino-'));
  const file = join(dir, 'run.js');
  const calls = [`A.otpParity(${JSON.stringify(otpIn)})`, `A.packetParity(${JSON.stringify({ bytes: stream })})`, `A.hashParity(${JSON.stringify({ msgs })})`];
  writeFileSync(file, `${b.code}\nvar A = global.__accessEspruino;\n${calls.map((c) => `print('@@' + JSON.stringify(${c}));`).join('\n')}\nquit();\n`);
  const r = spawnSync(ESPRUINO, [file], { input: '', encoding: 'utf8', timeout: 170000 });
  t.is(r.status, 0, r.stderr);
  const out = r.stdout
    .split('\n')
    .filter((l) => l.startsWith('@@'))
    .map((l) => JSON.parse(l.slice(2)));
  t.is(out.length, 3, r.stdout.slice(-2000));
  t.deepEqual(out[0], otpParity(otpIn));
  t.deepEqual(out[1], packetParity({ bytes: stream }));
  t.deepEqual(out[2], hashParity({ msgs }));
});
