// XS parity and cost of the link layer: the same vectors in Node and XS (xsnap) give the
// same bytes and decisions; seal + open of a telemetry frame stays within 30k computrons.
// Figures: npx ava --verbose host-tests/link-xs.test.ts
import test from 'ava';
import { EngineSession, measureXs, compareParity } from '../tools/engines/run';
import type { LinkParityInput } from '../firmware/link/parity-entry';

const ENTRY = 'firmware/link/parity-entry.ts';
const session = new EngineSession();
test.after.always(() => session.close());

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function vectors(): LinkParityInput {
  const r = rng(42);
  const key = (n: number) => Array.from({ length: 32 }, (_, i) => (i * 31 + n * 7) & 0xff);
  const reading = () => ({
    vrms: Math.round((200 + 60 * r()) * 100) / 100,
    irms: Math.round(70 * r() * 1000) / 1000,
    p: Math.round(40000 * r() - 5000),
    energyWh: Math.floor(5e9 * r()),
    tempC: r() < 0.1 ? NaN : Math.round((-40 + 200 * r()) * 100) / 100,
    lpgPpm: Math.floor(70000 * r()),
    flags: Math.floor(65536 * r()),
  });
  const attacks = (): [string, number, number][] => {
    const a: [string, number, number][] = [];
    for (let i = 0; i < 24; i++) {
      const kind = ['flip', 'truncate', 'replay'][Math.floor(3 * r())];
      a.push([kind, Math.floor(8 * r()), Math.floor(256 * r())]);
    }
    return a;
  };
  return {
    cases: [
      { profile: 'nrf24', key: key(1), epoch: 1, nodeId: 7, down: false, firstCounter: 0, readings: Array.from({ length: 8 }, reading), attacks: attacks() },
      {
        profile: 'nrf24',
        key: key(2),
        epoch: 0xfffffffe,
        nodeId: 254,
        down: true,
        firstCounter: 0xfffffff0,
        readings: Array.from({ length: 8 }, reading),
        attacks: attacks(),
      },
      { profile: 'lora', key: key(3), epoch: 9, nodeId: 1, down: false, firstCounter: 1000, readings: Array.from({ length: 4 }, reading), attacks: attacks() },
    ],
    replaySeq: Array.from({ length: 200 }, () => (r() < 0.2 ? Math.floor(0xffffffff * r()) : Math.floor(300 * r()))),
    fragment: { body: 18, message: Array.from({ length: 200 }, () => Math.floor(256 * r())), order: [3, 1, 1, 0, 12, 2, 4, 5, 6, 7, 8, 9, 10, 11, 12, 12] },
  };
}

test('codec, crypto, replay window and reassembler: same bytes and decisions in Node and XS', async (t) => {
  const input = vectors();
  const node = (await session.callNode(ENTRY, 'linkVectors', input)) as { frames: string[][]; decisions: string[][] };
  const xs = await session.callXs(ENTRY, 'linkVectors', input);
  t.deepEqual(compareParity(node, xs.value, 0), []);
  // the vectors exercise what they claim to
  const all = node.decisions.flat();
  t.true(all.filter((d) => d === 'ok').length >= 20);
  t.true(all.some((d) => d === 'replay:replay'));
  t.true(all.some((d) => d === 'flip:tag'));
  t.true(
    all.every((d) => !d.endsWith(':ok')),
    'no attack frame is accepted',
  );
  t.is(node.frames[0][0].length, 60); // 30 bytes, hex
});

test('XS cost: seal + open of a telemetry frame within 30k computrons', async (t) => {
  const setup = 'globalThis.st = entry.linkBenchSetup();';
  const seal = await measureXs(ENTRY, setup, 'entry.linkBenchSeal(st)', 16);
  const open = await measureXs(ENTRY, setup, 'entry.linkBenchOpen(st)', 16);
  const round = await measureXs(ENTRY, setup, 'entry.linkBenchRoundTrip(st)', 16);
  const s = Math.round(seal.computePerStep);
  const o = Math.round(open.computePerStep);
  t.log(`xs.computrons_seal ${s}`);
  t.log(`xs.computrons_open ${o}`);
  t.log(`xs.computrons_seal_plus_open ${s + o}`);
  t.log(`xs.computrons_round_trip (encode + seal + receiver checks + open) ${Math.round(round.computePerStep)}`);
  t.true(s + o <= 30000, `seal + open = ${s + o}`);
  t.true(round.computePerStep <= 32000);
});

test('XS cost of an Ed25519 verify (the authority signature on dangerous commands)', async (t) => {
  const v = await measureXs(
    ENTRY,
    'globalThis.sb = entry.signBenchSetup(); if (!entry.signBenchVerify(sb)) throw new Error("bad sig");',
    'entry.signBenchVerify(sb)',
    1,
  );
  t.log(`xs.computrons_verify_sig ${Math.round(v.computePerStep)}`);
  // tens of millions: seconds on an ESP32, so a verify must be sliced (next session)
  t.true(v.computePerStep > 1e7 && v.computePerStep < 1e8);
});
