import test from 'ava';
import nacl from 'tweetnacl';
import { SimStore } from '../hal/sim/store';
import {
  CommandGuard,
  encodeCommand,
  newCommand,
  commandLength,
  CMD_DISCONNECT,
  CMD_RECONNECT,
  CMD_SET_LIMIT,
  CMD_KEY_CHANGE,
  CMD_TIME_SYNC,
  COMMAND_REJECTS,
  MAX_WINDOW_S,
  TOLERANCE_S,
  VERIFY_QUEUE,
  type CommandGuardOptions,
} from '../firmware/link/command';

const PROV = 1_790_000_000; // the node's provisioning epoch (unix s)
const NOW = PROV + 86400; // the node's wall clock at the start of each test

const authority = nacl.sign.keyPair.fromSeed(new Uint8Array(32).fill(1));
const headEnd = nacl.sign.keyPair.fromSeed(new Uint8Array(32).fill(2)); // what a compromised head-end can sign with

function guard(nodeId: number, store = new SimStore(), extra: Partial<CommandGuardOptions> = {}) {
  const clock = {
    t: 0,
    now() {
      return this.t;
    },
  };
  const target = {
    tripped: false,
    openBySafety() {
      return this.tripped;
    },
    wallS: () => NOW + Math.floor(clock.t / 1e6),
  };
  const g = new CommandGuard({
    nodeId,
    authorityPublic: authority.publicKey,
    store,
    clock,
    target,
    maxDangerous: 3,
    windowUs: 3600e6,
    provisionedAt: PROV,
    verifyBurst: 2,
    verifyEveryUs: 30e6,
    confirmWindowUs: 60e6,
    ...extra,
  });
  const events: string[] = [];
  g.onReject = (r) => events.push(r);
  return { g, clock, target, store, events };
}

function cmd(code: number, node: number, seq: number, key = authority.secretKey, bind: { prov?: number; from?: number; to?: number } = {}) {
  const c = newCommand(code, node, seq);
  c.provisionedAt = bind.prov ?? PROV;
  c.notBefore = bind.from ?? NOW - 60;
  c.notAfter = bind.to ?? NOW + 3600;
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
  t.is(d.length, 7 + 12 + 2 + 64);
  t.is(commandLength(CMD_DISCONNECT), 85);
  const o = g.handle(d, d.length);
  t.true(o.ok && o.command.code === CMD_DISCONNECT && o.command.relay === 1);
  t.deepEqual(g.handle(d, d.length), { ok: false, reason: 'replay' });
  const again = guard(7, store).g; // reboot
  t.deepEqual(again.handle(d, d.length), { ok: false, reason: 'replay' });
  t.deepEqual(events, ['replay']);
});

test('arguments decode; time sync needs no signature; bad input gets a reason, never a throw', (t) => {
  const { g } = guard(7);
  const l = g.handle(cmd(CMD_SET_LIMIT, 7, 5), commandLength(CMD_SET_LIMIT));
  t.true(l.ok && l.command.limitId === 2 && l.command.limitValue === -12345 && l.command.seq === 5);
  const ts = cmd(CMD_TIME_SYNC, 7, 0);
  t.is(ts.length, 13);
  const o = g.handle(ts, ts.length);
  t.true(o.ok && o.command.unixS === 1_700_000_000 && o.command.ms === 250);
  const reasons = [
    new Uint8Array(3),
    Uint8Array.from([1, 1, 7, 0, 0, 0, 0, 1]),
    Uint8Array.from([2, 9, 7, 0, 0, 0, 0]),
    cmd(CMD_DISCONNECT, 7, 9).slice(0, 70),
  ].map((b) => {
    const r = g.handle(b, b.length);
    return r.ok ? 'ok' : r.reason;
  });
  t.deepEqual(reasons, ['short', 'version', 'code', 'length']);
  for (let i = 0; i < 200; i++) {
    const b = Uint8Array.from({ length: (i * 7) % 120 }, (_, k) => (k * 31 + i) & 0xff);
    if (i % 2 === 0) b[0] = 2;
    const r = g.handle(b, b.length);
    if (!r.ok && !COMMAND_REJECTS.includes(r.reason)) t.fail(r.reason);
  }
});

test('a remote reconnect is refused while the relay is open by a protection trip', (t) => {
  const { g, target } = guard(7);
  target.tripped = true;
  const n = commandLength(CMD_RECONNECT);
  t.deepEqual(g.handle(cmd(CMD_RECONNECT, 7, 1), n), { ok: false, reason: 'safety' });
  target.tripped = false; // after a reset on the spot
  t.true(g.handle(cmd(CMD_RECONNECT, 7, 2), n).ok);
});

test('dangerous commands are rate limited', (t) => {
  const { g, clock } = guard(7, new SimStore(), { verifyBurst: 10 });
  const r = [1, 2, 3, 4].map((s) => g.handle(cmd(CMD_DISCONNECT, 7, s), 85));
  t.deepEqual(
    r.map((x) => x.ok),
    [true, true, true, false],
  );
  t.deepEqual(r[3], { ok: false, reason: 'ratelimit' });
  clock.t += 3600e6;
  t.true(g.handle(cmd(CMD_DISCONNECT, 7, 5, authority.secretKey, { from: NOW + 3000, to: NOW + 7200 }), 85).ok);
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
  const nodes = ids.map((id) => guard(id, new SimStore(), { verifyBurst: 10, verifyEveryUs: 0 }));
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
  t.log(
    `head-end compromise: ${attempts} commands, ${events.length} refused: ${JSON.stringify(events.reduce<Record<string, number>>((m, r) => ((m[r] = (m[r] ?? 0) + 1), m), {}))}`,
  );
});

test('bad signatures cost verify slots, not a lockout: the authority gets through once they stop', (t) => {
  const { g, clock, events } = guard(7);
  // a link-key holder sends 5 badly signed commands at once
  const out = [1, 2, 3, 4, 5].map((s) => g.handle(cmd(CMD_DISCONNECT, 7, 100 + s, headEnd.secretKey), 85));
  t.deepEqual(
    out.map((o) => (o.ok ? 'ok' : o.reason)),
    ['signature', 'signature', 'queued', 'queued', 'queued'],
  );
  // the authority's command waits behind them, is never refused
  const genuine = g.handle(cmd(CMD_DISCONNECT, 7, 200), 85);
  t.deepEqual(genuine, { ok: false, reason: 'queued' });
  t.is(g.waitingCount(), 4);
  // one verify per 30 s: the three queued forgeries, then the genuine one
  const later: string[] = [];
  for (let k = 0; k < 8 && g.waitingCount() > 0; k++) {
    clock.t += 30e6;
    const o = g.handleQueued();
    if (o !== undefined) later.push(o.ok ? 'ok' : o.reason);
  }
  t.deepEqual(later, ['signature', 'signature', 'signature', 'ok']);
  t.true(clock.t <= 120e6, 'the genuine disconnect was obeyed within 2 minutes, not an hour');
  t.is(g.rejects.signature, 5);
  t.is(events.filter((e) => e === 'queued').length, 0, 'waiting is not a refusal');
  // a full queue refuses (counted), and genuine commands after the flood go through at once
  for (let s = 0; s < VERIFY_QUEUE + 2; s++) g.handle(cmd(CMD_DISCONNECT, 7, 300 + s, headEnd.secretKey), 85);
  t.true(g.rejects['verify-budget'] >= 1);
  for (let k = 0; k < 10 && g.waitingCount() > 0; k++) {
    clock.t += 30e6;
    g.handleQueued();
  }
  clock.t += 3600e6;
  t.true(g.handle(cmd(CMD_RECONNECT, 7, 400, authority.secretKey, { from: NOW + 3500, to: NOW + 7200 }), 84).ok);
});

test('stale captures are refused without a verify: another provisioning, last year, another node', (t) => {
  const { g, events } = guard(7, new SimStore(), { verifyBurst: 10, verifyEveryUs: 0 });
  const year = 365 * 86400;
  const tries = [
    cmd(CMD_DISCONNECT, 7, 1, authority.secretKey, { prov: PROV - 30 * 86400 }), // signed before the node was re-provisioned
    cmd(CMD_DISCONNECT, 7, 2, authority.secretKey, { from: NOW - year - 60, to: NOW - year + 3600 }), // a year old
    cmd(CMD_DISCONNECT, 8, 3), // for another node
    cmd(CMD_DISCONNECT, 7, 4, authority.secretKey, { from: NOW + 2 * TOLERANCE_S, to: NOW + 7200 }), // not yet valid
    cmd(CMD_DISCONNECT, 7, 5, authority.secretKey, { from: NOW - 60, to: NOW - 60 + MAX_WINDOW_S + 1 }), // a standing order
  ];
  t.deepEqual(
    tries.map((b) => {
      const o = g.handle(b, b.length);
      return o.ok ? 'ok' : o.reason;
    }),
    ['provisioning', 'expired', 'node', 'not-yet-valid', 'window'],
  );
  t.is(g.rejects.signature, 0);
  t.is(events.length, 5);
  // within the tolerance the node's clock may be off the authority's
  t.true(g.handle(cmd(CMD_DISCONNECT, 7, 6, authority.secretKey, { from: NOW + TOLERANCE_S - 1, to: NOW + 7200 }), 85).ok);
  // the window and the provisioning epoch are signed: editing them breaks the signature
  const edited = cmd(CMD_DISCONNECT, 7, 7, authority.secretKey, { from: NOW - year - 60, to: NOW - year + 3600 });
  edited[15] = (NOW + 3600) & 0xff;
  edited[16] = ((NOW + 3600) >>> 8) & 0xff;
  edited[17] = ((NOW + 3600) >>> 16) & 0xff;
  edited[18] = ((NOW + 3600) >>> 24) & 0xff;
  edited[11] = (NOW - 60) & 0xff;
  edited[12] = ((NOW - 60) >>> 8) & 0xff;
  edited[13] = ((NOW - 60) >>> 16) & 0xff;
  edited[14] = ((NOW - 60) >>> 24) & 0xff;
  t.deepEqual(g.handle(edited, edited.length), { ok: false, reason: 'signature' });
});

test('bad options name the field and the range', (t) => {
  t.throws(() => guard(7, new SimStore(), { maxDangerous: 0 }), { message: 'maxDangerous 0 out of range 1..100' });
  t.throws(() => guard(7, new SimStore(), { verifyBurst: 0 }), { message: 'verifyBurst 0 out of range 1..10' });
});

test('the guard with the noble verifier decides as with tweetnacl', async (t) => {
  const { verifyStrictNoble } = await import('../firmware/link/ed25519-noble');
  const a = guard(7, new SimStore(), { verifyBurst: 10, verifyEveryUs: 0 });
  const b = guard(7, new SimStore(), { verifyBurst: 10, verifyEveryUs: 0, verify: verifyStrictNoble });
  const msgs = [cmd(CMD_DISCONNECT, 7, 1), cmd(CMD_DISCONNECT, 7, 2, headEnd.secretKey), cmd(CMD_SET_LIMIT, 7, 3), cmd(CMD_RECONNECT, 7, 4)];
  const verdict = (g: CommandGuard) =>
    msgs.map((m) => {
      const o = g.handle(m, m.length);
      return o.ok ? 'ok' : o.reason;
    });
  t.deepEqual(verdict(b.g), verdict(a.g));
  t.deepEqual(verdict(guard(7, new SimStore(), { verifyBurst: 10, verifyEveryUs: 0, verify: verifyStrictNoble }).g), ['ok', 'signature', 'ok', 'ok']);
});
