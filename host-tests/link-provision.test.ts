import test from 'ava';
import nacl from 'tweetnacl';
import { provisionNode } from '../tools/provision';
import { loadBoard } from '../boards/schema';
import { SimStore } from '../hal/sim/store';
import { loadLinkKeys, loadLinkProv, deriveLinkKeys, pairingSecret } from '../firmware/link/keys';
import { LinkSender, LinkReceiver, PROFILE_NRF24, DIR_UP, MSG_TELEMETRY } from '../firmware/link/frame';
import { FrameCounter } from '../firmware/link/counter';
import { ReplayWindow } from '../firmware/link/replay';

const board = loadBoard('esp32-devkitc-meter');
const auth = nacl.sign.keyPair.fromSeed(new Uint8Array(32).fill(9));
const seed = (n: number) => new Uint8Array(32).fill(n);

test('provisioned node and control unit share per-direction keys; the node store loads them', (t) => {
  const r = provisionNode({ board, nodeId: 7, authorityPublic: auth.publicKey, nodeSecret: seed(1), controlSecret: seed(2), nowS: 1_790_000_000 });
  if ('error' in r) return t.fail(r.error);
  const store = SimStore.fromSnapshot(r.image.store);
  const k = loadLinkKeys(store);
  if (!k.ok) return t.fail(k.reason);
  const entry = r.registry.nodes['7'];
  t.is(Buffer.from(k.keys.up).toString('hex'), entry.up);
  t.is(Buffer.from(k.keys.down).toString('hex'), entry.down);
  t.not(entry.up, entry.down);
  t.deepEqual([...k.keys.authorityPublic], [...auth.publicKey]);
  t.is(k.keys.nodeId, 7);
  // a frame sealed with the node's store keys opens at the control unit with the registry's
  const tx = new LinkSender(PROFILE_NRF24, k.keys.up, k.keys.epoch, 7, DIR_UP, new FrameCounter(store, 'ctr.up', 1000));
  const rx = new LinkReceiver(PROFILE_NRF24, 7, DIR_UP, Uint8Array.from(Buffer.from(entry.up, 'hex')), entry.epoch, new ReplayWindow());
  const s = tx.seal(MSG_TELEMETRY, new Uint8Array(16), 16);
  t.true(s.ok && rx.open(s.frame, s.frame.length).ok);
});

test('a second node joins the same registry; re-provisioning changes the keys', (t) => {
  const a = provisionNode({ board, nodeId: 7, authorityPublic: auth.publicKey, nodeSecret: seed(1), controlSecret: seed(2), nowS: 1_790_000_000 });
  if ('error' in a) return t.fail(a.error);
  const b = provisionNode({
    board,
    nodeId: 8,
    authorityPublic: auth.publicKey,
    registry: a.registry,
    nodeSecret: seed(3),
    controlSecret: seed(4),
    nowS: 1_790_000_000,
  });
  if ('error' in b) return t.fail(b.error);
  t.deepEqual(Object.keys(b.registry.nodes).sort(), ['7', '8']);
  t.is(b.registry.controlPublicKey, a.registry.controlPublicKey);
  const again = provisionNode({
    board,
    nodeId: 7,
    authorityPublic: auth.publicKey,
    registry: b.registry,
    nodeSecret: seed(5),
    controlSecret: seed(6),
    nowS: 1_790_000_000,
  });
  if ('error' in again) return t.fail(again.error);
  t.not(again.registry.nodes['7'].up, a.registry.nodes['7'].up);
  t.true(again.registry.nodes['7'].resetReplay);
});

test('bad input names the field and range', (t) => {
  const bad = provisionNode({ board, nodeId: 255, authorityPublic: auth.publicKey, nodeSecret: seed(1), controlSecret: seed(2), nowS: 1_790_000_000 });
  t.deepEqual(bad, { error: 'node 255 out of range 1..254' });
  const ctl = { ...board, role: 'control' as const };
  t.deepEqual(provisionNode({ board: ctl, nodeId: 1, authorityPublic: auth.publicKey, nodeSecret: seed(1), controlSecret: seed(2), nowS: 1_790_000_000 }), {
    error: `board ${board.name}: role 'control', expected 'meter'`,
  });
});

test('key derivation: epochs and nodes give unrelated keys', (t) => {
  const s = pairingSecret(seed(1), nacl.box.keyPair.fromSecretKey(seed(2)).publicKey);
  const k0 = deriveLinkKeys(s, 7, 0);
  const k1 = deriveLinkKeys(s, 7, 1);
  const n8 = deriveLinkKeys(s, 8, 0);
  const all = [k0.up, k0.down, k1.up, k1.down, n8.up, n8.down].map((k) => Buffer.from(k).toString('hex'));
  t.is(new Set(all).size, 6);
});

test('provision CLI: board checked first, secrets 0600 (new or existing), atomic, --force to re-key a node', async (t) => {
  const { main } = await import('../tools/provision');
  const { mkdtempSync, statSync, writeFileSync, chmodSync, readdirSync, existsSync, readFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(join(tmpdir(), 'prov-'));
  const out = join(dir, 'p');
  const quiet = (f: () => number) => {
    const log = console.log;
    const err = console.error;
    const lines: string[] = [];
    console.log = (s: string) => lines.push(s);
    console.error = (s: string) => lines.push(s);
    try {
      return { rc: f(), lines };
    } finally {
      console.log = log;
      console.error = err;
    }
  };
  // a bad board writes nothing at all
  const bad = quiet(() => main(['--board', 'no-such-board', '--node', '7', '--out', out]));
  t.is(bad.rc, 1);
  t.false(existsSync(out), 'nothing written for a bad --board');
  t.is(quiet(() => main(['--board', 'esp32-devkitc-meter', '--node', '300', '--out', out])).rc, 1);
  t.false(existsSync(out));
  // first provisioning
  t.is(quiet(() => main(['--board', 'esp32-devkitc-meter', '--node', '7', '--out', out])).rc, 0);
  const mode = (f: string) => statSync(join(out, f)).mode & 0o777;
  for (const f of ['authority.json', 'control-unit.json', 'node-7.store.json']) t.is(mode(f), 0o600, f);
  // an existing registry made readable by someone else: provisioning another node fixes its mode
  chmodSync(join(out, 'control-unit.json'), 0o644);
  chmodSync(join(out, 'authority.json'), 0o644);
  t.is(quiet(() => main(['--board', 'esp32-devkitc-meter', '--node', '8', '--out', out])).rc, 0);
  for (const f of ['authority.json', 'control-unit.json', 'node-7.store.json', 'node-8.store.json']) t.is(mode(f), 0o600, f);
  t.deepEqual(
    readdirSync(out).filter((f) => f.includes('.tmp-')),
    [],
    'no temporary files left',
  );
  // re-keying node 7 needs --force; without it nothing changes
  const before = readFileSync(join(out, 'node-7.store.json'), 'utf8');
  const refused = quiet(() => main(['--board', 'esp32-devkitc-meter', '--node', '7', '--out', out]));
  t.is(refused.rc, 1);
  t.regex(refused.lines.join('\n'), /already has keys.*--force/);
  t.is(readFileSync(join(out, 'node-7.store.json'), 'utf8'), before);
  t.is(quiet(() => main(['--board', 'esp32-devkitc-meter', '--node', '7', '--out', out, '--force'])).rc, 0);
  t.not(readFileSync(join(out, 'node-7.store.json'), 'utf8'), before);
  const reg = JSON.parse(readFileSync(join(out, 'control-unit.json'), 'utf8'));
  t.true(reg.nodes['7'].provisionedAt > 1_700_000_000);
  // a corrupt registry: refused, nothing written
  writeFileSync(join(out, 'control-unit.json'), '{ not json');
  t.is(quiet(() => main(['--board', 'esp32-devkitc-meter', '--node', '9', '--out', out])).rc, 1);
  t.false(existsSync(join(out, 'node-9.store.json')));
});

test('re-provisioning raises the provisioning epoch even within the same second', (t) => {
  const a = provisionNode({ board, nodeId: 7, authorityPublic: auth.publicKey, nodeSecret: seed(1), controlSecret: seed(2), nowS: 1_790_000_000 });
  if ('error' in a) return t.fail(a.error);
  const b = provisionNode({
    board,
    nodeId: 7,
    authorityPublic: auth.publicKey,
    registry: a.registry,
    nodeSecret: seed(3),
    controlSecret: seed(2),
    nowS: 1_790_000_000,
  });
  if ('error' in b) return t.fail(b.error);
  t.is(b.registry.nodes['7'].provisionedAt, 1_790_000_001);
  t.is(loadLinkProv(SimStore.fromSnapshot(b.image.store)), 1_790_000_001);
});
