// Provisioning: generates a node's X25519 key pair (and the control unit's, and the
// Ed25519 authority key, on first use), derives the epoch-0 link keys, and writes
//   <out>/node-<id>.store.json   the node's store image (SimStore snapshot + board name)
//   <out>/control-unit.json      the control unit's registry (its key pair, every node)
//   <out>/authority.json         the authority key pair: keep it OFF the head-end
// Secret files are written with mode 0600.
//
//   npx tsx tools/provision.ts --board esp32-devkitc-meter --node 7 --out provision
//
// Re-provisioning a node generates a fresh node key pair, so its link keys change and its
// (fresh) frame counter can restart at 0 without reusing a keystream; the registry entry
// is replaced and marks the control unit's replay window for that node to be reset.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import nacl from 'tweetnacl';
import type { BoardDescription } from '../boards/board';
import { SimStore } from '../hal/sim/store';
import { PersistentRecord } from '../firmware/store/records';
import { deriveLinkKeys, encodeLinkId, encodeLinkKeys, pairingSecret, LINK_ID_RECORD, LINK_KEYS_RECORD } from '../firmware/link/keys';
import { loadBoard } from '../boards/schema';
import type { ControlNodeConfig } from '../firmware/control/node-table';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const unhex = (s: string) => Uint8Array.from(Buffer.from(s, 'hex'));

export interface RegistryNode {
  board: string;
  profile: string;
  publicKey: string;
  epoch: number;
  up: string;
  down: string;
  /** set when the node was (re-)provisioned: the control unit resets its replay window */
  resetReplay: boolean;
}

export interface Registry {
  version: 1;
  controlPublicKey: string;
  controlSecretKey: string;
  authorityPublicKey: string;
  nodes: Record<string, RegistryNode>;
}

export interface NodeImage {
  board: string;
  nodeId: number;
  store: Record<string, number[]>;
}

export interface ProvisionOptions {
  board: BoardDescription;
  nodeId: number;
  authorityPublic: Uint8Array;
  registry?: Registry;
  /** 32 random bytes for the node's X25519 secret (tests pass fixed ones) */
  nodeSecret: Uint8Array;
  /** 32 random bytes for the control unit's secret, used only when there is no registry */
  controlSecret: Uint8Array;
}

export function provisionNode(o: ProvisionOptions): { image: NodeImage; registry: Registry } | { error: string } {
  if (!Number.isInteger(o.nodeId) || o.nodeId < 1 || o.nodeId > 254) return { error: `node ${o.nodeId} out of range 1..254` };
  if (o.board.role !== 'meter') return { error: `board ${o.board.name}: role '${o.board.role}', expected 'meter'` };
  if (o.board.radio === undefined) return { error: `board ${o.board.name}: no radio section` };
  if (o.nodeSecret.length !== 32 || o.controlSecret.length !== 32) return { error: 'secret length out of range 32..32' };
  if (o.authorityPublic.length !== 32) return { error: 'authority public key length out of range 32..32' };
  const control = o.registry
    ? { publicKey: unhex(o.registry.controlPublicKey), secretKey: unhex(o.registry.controlSecretKey) }
    : nacl.box.keyPair.fromSecretKey(o.controlSecret);
  const node = nacl.box.keyPair.fromSecretKey(o.nodeSecret);
  const epoch = 0;
  const keys = deriveLinkKeys(pairingSecret(node.secretKey, control.publicKey), o.nodeId, epoch);
  // the control unit derives the same keys from its side of the pairing
  const check = deriveLinkKeys(pairingSecret(control.secretKey, node.publicKey), o.nodeId, epoch);
  if (hex(check.up) !== hex(keys.up) || hex(check.down) !== hex(keys.down)) return { error: 'pairing mismatch (corrupt registry?)' };

  const store = new SimStore();
  new PersistentRecord(store, LINK_KEYS_RECORD).write(encodeLinkKeys({ nodeId: o.nodeId, epoch, up: keys.up, down: keys.down, authorityPublic: o.authorityPublic }));
  new PersistentRecord(store, LINK_ID_RECORD).write(encodeLinkId(node.secretKey, control.publicKey));

  const registry: Registry = o.registry
    ? { ...o.registry, nodes: { ...o.registry.nodes } }
    : { version: 1, controlPublicKey: hex(control.publicKey), controlSecretKey: hex(control.secretKey), authorityPublicKey: hex(o.authorityPublic), nodes: {} };
  registry.nodes[String(o.nodeId)] = {
    board: o.board.name,
    profile: o.board.radio.profile,
    publicKey: hex(node.publicKey),
    epoch,
    up: hex(keys.up),
    down: hex(keys.down),
    resetReplay: true,
  };
  return { image: { board: o.board.name, nodeId: o.nodeId, store: store.snapshot() }, registry };
}

/**
 * The registry's nodes as the control unit takes them (firmware/app/control-unit.ts).
 * The control unit resets a node's replay window when these keys differ from the ones it
 * last booted with (a re-provisioned node), so `resetReplay` needs no further handling.
 */
export function controlNodes(reg: Registry): ControlNodeConfig[] {
  const out: ControlNodeConfig[] = [];
  for (const id of Object.keys(reg.nodes)) {
    const n = reg.nodes[id];
    out.push({ nodeId: Number(id), epoch: n.epoch, up: unhex(n.up), down: unhex(n.down), publicKey: unhex(n.publicKey) });
  }
  return out;
}

function arg(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}

export function main(argv: string[]): number {
  const boardName = arg(argv, '--board');
  const nodeText = arg(argv, '--node');
  const out = arg(argv, '--out') ?? 'provision';
  if (boardName === undefined || nodeText === undefined) {
    console.error('usage: tsx tools/provision.ts --board <name> --node <1..254> [--out <dir>]');
    return 2;
  }
  mkdirSync(out, { recursive: true });
  const authPath = join(out, 'authority.json');
  if (!existsSync(authPath)) {
    const a = nacl.sign.keyPair();
    writeFileSync(authPath, JSON.stringify({ publicKey: hex(a.publicKey), secretKey: hex(a.secretKey) }, null, 2) + '\n', { mode: 0o600 });
    console.log(`wrote ${authPath} (authority key: move it off the head-end)`);
  }
  const authority = JSON.parse(readFileSync(authPath, 'utf8')) as { publicKey: string };
  const regPath = join(out, 'control-unit.json');
  const registry = existsSync(regPath) ? (JSON.parse(readFileSync(regPath, 'utf8')) as Registry) : undefined;
  const r = provisionNode({
    board: loadBoard(boardName),
    nodeId: Number(nodeText),
    authorityPublic: unhex(authority.publicKey),
    registry,
    nodeSecret: nacl.randomBytes(32),
    controlSecret: nacl.randomBytes(32),
  });
  if ('error' in r) {
    console.error(`provision: ${r.error}`);
    return 1;
  }
  const imgPath = join(out, `node-${r.image.nodeId}.store.json`);
  writeFileSync(imgPath, JSON.stringify(r.image) + '\n', { mode: 0o600 });
  writeFileSync(regPath, JSON.stringify(r.registry, null, 2) + '\n', { mode: 0o600 });
  console.log(`wrote ${imgPath} and ${regPath}`);
  return 0;
}

if (import.meta.url === `file://${process.argv[1]}`) process.exit(main(process.argv.slice(2)));
