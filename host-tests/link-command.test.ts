import test from 'ava';
import nacl from 'tweetnacl';
import { SimStore } from '../hal/sim/store';
import {
  CommandGuard, encodeCommand, newCommand, CMD_DISCONNECT, CMD_RECONNECT, CMD_SET_LIMIT, CMD_KEY_CHANGE, CMD_TIME_SYNC, COMMAND_REJECTS,
  type CommandGuardOptions,
} from '../firmware/link/command';

const authority = nacl.sign.keyPair.fromSeed(new Uint8Array(32).fill(1));
const headEnd = nacl.sign.keyPair.fromSeed(new Uint8Array(32).fill(2)); // what a compromised head-end can sign with

function guard(nodeId: number, store = new SimStore(), extra: Partial<CommandGuardOptions> = {}) {
  const clock = { t: 0, now() { return this.t; } };
  const target = { tripped: false, openBySafety() { return this.tripped; } };
  const g = new CommandGuard({
    nodeId, authorityPublic: authority.publicKey, store, clock, target,
    maxDangerous: 3, windowUs: 3600e6, maxBadSignatures: 5, confirmWindowUs: 60e6, ...extra,
  });
  const events: string[] = [];
  g.onReject = (r) => events.push(r);
  return { g, clock, target, store, events };
}

function cmd(code: number, node: number, seq: number, key = authority.secretKey) {
  const c = newCommand(code, node, seq);
  c.relay = 1;
  c.limitId = 2;
  c.limitValue = -12345;
  c.epoch = 2;
  c.peerPublic = new Uint8Array(32).fill(7);
  c.unixS = 1_700_000_000;
  c.ms = 250;
  return encodeCommand(c, key);
}

test('a signed disconnect is obeyed once; its replay, even after a reboot, is refused without a verify', (t) => {
  const { g, store, events } = guard(7);
  const d = cmd(CMD_DISCONNECT, 7, 1);
  t.is(d.length, 7 + 1 + 64);
  const o = g.handle(d, d.length);
  t.true(o.ok && o.command.code === CMD_DISCONNECT && o.command.relay === 1);
  t.deepEqual(g.handle(d, d.length), { ok: false, reason: 'replay' });
  const again = guard(7, store).g; // reboot
  t.deepEqual(again.handle(d, d.length), { ok: false, reason: 'replay' });
  t.deepEqual(events, ['replay']);
});

test('arguments decode; time sync needs no signature; bad input gets a reason, never a throw', (t) => {
  const { g } = guard(7);
  const l = g.handle(cmd(CMD_SET_LIMIT, 7, 5), 7 + 5 + 64);
  t.true(l.ok && l.command.limitId === 2 && l.command.limitValue === -12345 && l.command.seq === 5);
  const ts = cmd(CMD_TIME_SYNC, 7, 0);
  t.is(ts.length, 13);
  const o = g.handle(ts, ts.length);
  t.true(o.ok && o.command.unixS === 1_700_000_000 && o.command.ms === 250);
  const reasons = [new Uint8Array(3), Uint8Array.from([2, 1, 7, 0, 0, 0, 0, 1]), Uint8Array.from([1, 9, 7, 0, 0, 0, 0]), cmd(CMD_DISCONNECT, 7, 9).slice(0, 70)].map((b) => {
    const r = g.handle(b, b.length);
    return r.ok ? 'ok' : r.reason;
  });
  t.deepEqual(reasons, ['short', 'version', 'code', 'length']);
  for (let i = 0; i < 200; i++) {
    const b = Uint8Array.from({ length: (i * 7) % 120 }, (_, k) => (k * 31 + i) & 0xff);
    const r = g.handle(b, b.length);
    if (!r.ok && !COMMAND_REJECTS.includes(r.reason)) t.fail(r.reason);
  }
});

test('a remote reconnect is refused while the relay is open by a protection trip', (t) => {
  const { g, target } = guard(7);
  target.tripped = true;
  t.deepEqual(g.handle(cmd(CMD_RECONNECT, 7, 1), 72), { ok: false, reason: 'safety' });
  target.tripped = false; // after a reset on the spot
  t.true(g.handle(cmd(CMD_RECONNECT, 7, 2), 72).ok);
});

test('dangerous commands are rate limited', (t) => {
  const { g, clock } = guard(7);
  const r = [1, 2, 3, 4].map((s) => g.handle(cmd(CMD_DISCONNECT, 7, s), 72));
  t.deepEqual(r.map((x) => x.ok), [true, true, true, false]);
  t.deepEqual(r[3], { ok: false, reason: 'ratelimit' });
  clock.t += 3600e6;
  t.true(g.handle(cmd(CMD_DISCONNECT, 7, 5), 72).ok);
});

test('a key change waits for local confirmation within its window', (t) => {
  const { g, clock } = guard(7);
  const k = cmd(CMD_KEY_CHANGE, 7, 1);
  const o = g.handle(k, k.length);
  t.true(o.ok && o.pending && o.command.epoch === 2);
  clock.t += 30e6;
  const c = g.confirmLocal();
  t.true(c.ok && !c.pending && c.command.peerPublic?.[0] === 7);
  t.deepEqual(g.confirmLocal(), { ok: false, reason: 'no-pending' });
  t.true(g.handle(cmd(CMD_KEY_CHANGE, 7, 2), k.length).ok);
  clock.t += 61e6;
  t.deepEqual(g.confirmLocal(), { ok: false, reason: 'unconfirmed' });
});

test('head-end compromise: mass disconnect and rekey with link access but no authority key all fail', (t) => {
  const ids = [1, 2, 3, 4, 5];
  const nodes = ids.map((id) => guard(id));
  // a genuine, captured disconnect for node 1
  const genuine = cmd(CMD_DISCONNECT, 1, 1);
  t.true(nodes[0].g.handle(genuine, genuine.length).ok);
  let attempts = 0;
  for (let k = 0; k < nodes.length; k++) {
    const n = nodes[k];
    const id = ids[k];
    for (const frame of [
      cmd(CMD_DISCONNECT, id, 1000, headEnd.secretKey), // signed with the wrong key
      cmd(CMD_KEY_CHANGE, id, 1001, headEnd.secretKey),
      genuine, // replayed / re-addressed
      (() => {
        const b = genuine.slice();
        b[2] = id; // re-addressed: the node id is signed
        return b;
      })(),
    ]) {
      attempts++;
      const r = n.g.handle(frame, frame.length);
      if (r.ok) t.fail(`node ${id} obeyed`);
    }
  }
  const events = nodes.flatMap((n) => n.events);
  t.is(events.length, attempts);
  t.log(`head-end compromise: ${attempts} commands, ${events.length} refused: ${JSON.stringify(events.reduce<Record<string, number>>((m, r) => ((m[r] = (m[r] ?? 0) + 1), m), {}))}`);
});

test('a flood of bad signatures stops costing verifications after the budget', (t) => {
  const { g, events } = guard(7);
  for (let s = 1; s <= 20; s++) g.handle(cmd(CMD_DISCONNECT, 7, s, headEnd.secretKey), 72);
  t.is(g.rejects.signature, 5);
  t.is(g.rejects['verify-budget'], 15);
  t.is(events.length, 20);
});

test('bad options name the field and the range', (t) => {
  t.throws(() => guard(7, new SimStore(), { maxDangerous: 0 }), { message: 'maxDangerous 0 out of range 1..100' });
});
