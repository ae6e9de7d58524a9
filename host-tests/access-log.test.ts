// The hash-chained access log (firmware/access/access-log.ts): append and read back, a
// tampered record, a truncated log, a rolled-back or erased head, the ring wrapping, and a
// power cut at every byte of every write (no acknowledged record lost, no false alarm).
import test from 'ava';
import { createHash } from 'node:crypto';
import { AccessLog } from '../firmware/access/access-log';
import { PersistentRecord } from '../firmware/store/records';
import { SimStore } from '../hal/sim/store';
import { logPowerCuts } from '../tools/bench/access';

function filled(n: number, cap = 8) {
  const store = new SimStore();
  const log = new AccessLog(store, cap);
  for (let i = 0; i < n; i++) t0(log.append(i % 2 ? 'identify-match' : 'pass-issued', `record ${i}`, 1_800_000_000 + i));
  return { store, log };
}
function t0(e: string) {
  if (e !== '') throw new Error(e);
}

/** Rewrite record `i`'s stored bytes with `edit`, keeping a valid CRC (an attacker with the flash). */
function rewrite(store: SimStore, i: number, cap: number, edit: (v: Uint8Array) => void) {
  const rec = new PersistentRecord(store, `acc.log.${i % cap}`);
  const r = rec.read();
  if (!r.ok) throw new Error('no record');
  edit(r.value);
  rec.write(r.value);
}

test('append, read back, chain of SHA-256 hashes, head hash; reboot keeps it all', (t) => {
  const { store, log } = filled(5);
  t.is(log.count(), 5);
  const e = log.entries(0, 10);
  t.deepEqual(
    e.map((x) => x.text),
    ['record 0', 'record 1', 'record 2', 'record 3', 'record 4'],
  );
  t.is(e[1].kind, 'identify-match');
  t.is(e[2].unixS, 1_800_000_002);
  t.is(log.headHash(), e[4].hash);
  const raw = new PersistentRecord(store, 'acc.log.4').read();
  t.true(raw.ok);
  if (raw.ok) t.is(createHash('sha256').update(raw.value).digest('hex'), e[4].hash, 'the hash is SHA-256 of the stored record');
  const again = new AccessLog(store, 8);
  t.true(again.check.ok);
  t.is(again.count(), 5);
  t.is(
    again.append('bogus' as any, 'x', 0),
    'kind bogus is not one of enrol, enrol-failed, identify-match, identify-no-match, finger-deleted, reader-wiped, pass-issued, pass-used, pass-refused, action, action-refused, alarm, reader-error',
  );
  t.is(again.append('action', 'é\n', 0), '');
  t.is(again.entries(5, 1)[0].text, '??', 'non-ASCII stored as ?');
});

test('a tampered record is found and named: text, time, kind, or a forged link', (t) => {
  for (const edit of [(v: Uint8Array) => (v[42] ^= 1), (v: Uint8Array) => (v[36] ^= 1), (v: Uint8Array) => (v[40] = 7), (v: Uint8Array) => (v[0] ^= 0x80)]) {
    const { store } = filled(5);
    rewrite(store, 2, 8, edit);
    const log = new AccessLog(store, 8);
    t.false(log.check.ok);
    t.is(log.check.alarm, 'tampered');
    t.true(log.check.at === 1 || log.check.at === 2, log.check.detail);
  }
  const { store } = filled(5);
  rewrite(store, 4, 8, (v) => (v[45] ^= 1));
  const log = new AccessLog(store, 8);
  t.is(log.check.alarm, 'tampered');
  t.is(log.check.detail, 'the newest record does not hash to the head');
});

test('a truncated log is found: the newest record erased, the head erased or rolled back', (t) => {
  {
    const { store } = filled(5);
    store.delete('acc.log.4.a');
    store.delete('acc.log.4.b');
    const log = new AccessLog(store, 8);
    t.is(log.check.alarm, 'truncated');
    t.is(log.check.detail, 'record 4 missing or unreadable');
  }
  {
    const { store } = filled(5);
    store.delete('acc.log.head.a');
    store.delete('acc.log.head.b');
    const log = new AccessLog(store, 8);
    t.is(log.check.alarm, 'truncated', log.check.detail);
  }
  {
    const { store } = filled(5);
    const snap = store.snapshot();
    const s2 = SimStore.fromSnapshot(snap);
    // roll the head back to 3 records with record 2's hash, a consistent-looking chain
    const l3 = filled(3).log;
    const h = new Uint8Array(36);
    h[0] = 3;
    h.set(Buffer.from(l3.headHash(), 'hex'), 4);
    new PersistentRecord(s2, 'acc.log.head').write(h);
    const log = new AccessLog(s2, 8);
    t.is(log.check.alarm, 'truncated', log.check.detail);
  }
});

test('the ring keeps the newest records and still verifies after wrapping', (t) => {
  const { store, log } = filled(21, 8);
  t.true(log.verify().ok);
  const e = log.entries(0, 100);
  t.deepEqual(
    e.map((x) => x.index),
    [13, 14, 15, 16, 17, 18, 19, 20],
  );
  t.true(new AccessLog(store, 8).check.ok);
  rewrite(store, 15, 8, (v) => (v[50] ^= 4));
  t.is(new AccessLog(store, 8).check.alarm, 'tampered');
});

test('a power cut at every byte of every write loses no acknowledged record (access.log_records_lost = 0)', (t) => {
  const r = logPowerCuts();
  t.log(`access.log_power_cut_points ${r.points}, records lost ${r.lost}, false alarms ${r.falseAlarms}, rolled forward ${r.unackedKept}`);
  t.true(r.points > 300);
  t.is(r.cutsHit, r.points, 'every point really cut the power');
  t.is(r.lost, 0);
  t.is(r.falseAlarms, 0);
  t.true(r.unackedKept > 0, 'cuts inside the head write keep the complete record');
});
