import test from 'ava';
import nacl from 'tweetnacl';
import { provisionNode } from '../tools/provision';
import { loadBoard } from '../boards/schema';
import { SimStore } from '../hal/sim/store';
import { loadLinkKeys, deriveLinkKeys, pairingSecret } from '../firmware/link/keys';
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
  const b = provisionNode({ board, nodeId: 8, authorityPublic: auth.publicKey, registry: a.registry, nodeSecret: seed(3), controlSecret: seed(4), nowS: 1_790_000_000 });
  if ('error' in b) return t.fail(b.error);
  t.deepEqual(Object.keys(b.registry.nodes).sort(), ['7', '8']);
  t.is(b.registry.controlPublicKey, a.registry.controlPublicKey);
  const again = provisionNode({ board, nodeId: 7, authorityPublic: auth.publicKey, registry: b.registry, nodeSecret: seed(5), controlSecret: seed(6), nowS: 1_790_000_000 });
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
