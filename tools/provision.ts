// Provisioning: generates a node's X25519 key pair (and the control unit's, and the
// Ed25519 authority key, on first use), derives the epoch-0 link keys, and writes
//   <out>/node-<id>.store.json   the node's store image (SimStore snapshot + board name)
//   <out>/control-unit.json      the control unit's registry (its key pair, every node)
//   <out>/authority.json         the authority key pair: keep it OFF the head-end
// Every file it writes holds a secret (the node's X25519 secret, the control unit's
// secret and every link key, the authority's signing key), so each is written atomically
// (a temporary file in the same folder, mode 0600, then rename) and ends with mode 0600
// whether it is new or replaces an older one. The board and the node id are validated
// before anything is written; a node that already has keys (its image or its registry
// entry) is re-provisioned only with --force. The default folder `provision/` is git-ignored.
//
//   npx tsx tools/provision.ts --board esp32-devkitc-meter --node 7 --out provision [--force]
//
// Re-provisioning a node generates a fresh node key pair, so its link keys change and its
// (fresh) frame counter can restart at 0 without reusing a keystream; the registry entry
// is replaced and marks the control unit's replay window for that node to be reset.
//
// The provisioning epoch (`link.prov` on the node, `provisionedAt` in the registry) is the
// provisioning time in unix seconds, strictly greater than the node's previous one: signed
// commands carry it (firmware/link/command.ts), so a capture from before a re-provisioning
// is refused, and the node's clock never starts before it (firmware/app/node-clock.ts).
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import nacl from 'tweetnacl';
import type { BoardDescription } from '../boards/board';
import { SimStore } from '../hal/sim/store';
import { PersistentRecord } from '../firmware/store/records';
import {
  deriveLinkKeys,
  encodeLinkId,
  encodeLinkKeys,
  encodeLinkProv,
  pairingSecret,
  LINK_ID_RECORD,
  LINK_KEYS_RECORD,
  LINK_PROV_RECORD,
} from '../firmware/link/keys';
import { loadBoard } from '../boards/schema';
import type { ControlNodeConfig } from '../firmware/control/node-table';
import { isEntry, tryParseCli } from './cli';

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
  /** the provisioning epoch: unix seconds, strictly increasing per node (signed commands carry it) */
  provisionedAt: number;
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
  /** now, unix seconds (the provisioning epoch; raised past the node's previous one) */
  nowS: number;
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
  if (!(o.nowS >= 0 && o.nowS < 0xffffffff)) return { error: `nowS ${o.nowS} out of range 0..4294967294` };
  const before = o.registry !== undefined ? o.registry.nodes[String(o.nodeId)] : undefined;
  const prevAt = before !== undefined && typeof before.provisionedAt === 'number' ? before.provisionedAt : -1;
  const provisionedAt = Math.max(Math.floor(o.nowS), prevAt + 1);
  const epoch = 0;
  const keys = deriveLinkKeys(pairingSecret(node.secretKey, control.publicKey), o.nodeId, epoch);
  // the control unit derives the same keys from its side of the pairing
  const check = deriveLinkKeys(pairingSecret(control.secretKey, node.publicKey), o.nodeId, epoch);
  if (hex(check.up) !== hex(keys.up) || hex(check.down) !== hex(keys.down)) return { error: 'pairing mismatch (corrupt registry?)' };

  const store = new SimStore();
  new PersistentRecord(store, LINK_KEYS_RECORD).write(
    encodeLinkKeys({ nodeId: o.nodeId, epoch, up: keys.up, down: keys.down, authorityPublic: o.authorityPublic }),
  );
  new PersistentRecord(store, LINK_ID_RECORD).write(encodeLinkId(node.secretKey, control.publicKey));
  new PersistentRecord(store, LINK_PROV_RECORD).write(encodeLinkProv(provisionedAt));

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
    provisionedAt,
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

const USAGE = `usage: npm run provision -- --board <name> --node <1..254> [--out <dir>] [--force]
  --board   the meter's board (boards/*.json; role meter, with a radio section)
  --node    the node id, 1..254
  --out     where the secrets go (default provision/)
  --force   re-key a node that is already provisioned`;

/**
 * Write a secret file atomically with mode 0600: a temporary file in the same folder
 * (created 0600), then rename over the target; chmod again, since the mode of a file
 * created by another umask or an older tool version is what a rename keeps.
 */
export function writeSecretFile(path: string, text: string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, text, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
  chmodSync(path, 0o600);
}

export function main(argv: string[]): number {
  const parsed = tryParseCli('provision', USAGE, argv, {
    board: { type: 'string' },
    node: { type: 'string' },
    out: { type: 'string' },
    force: { type: 'boolean' },
  });
  if (typeof parsed === 'number') return parsed;
  const boardName = parsed.values.board as string | undefined;
  const nodeText = parsed.values.node as string | undefined;
  const out = (parsed.values.out as string | undefined) ?? 'provision';
  const force = parsed.values.force === true;
  if (boardName === undefined || nodeText === undefined) {
    console.error(`provision: --board and --node are required; ${USAGE.split('\n')[0]}`);
    return 2;
  }
  // everything is checked before the first byte is written
  let board: BoardDescription;
  try {
    board = loadBoard(boardName);
  } catch (e) {
    console.error(`provision: --board: ${(e as Error).message}`);
    return 1;
  }
  const nodeId = Number(nodeText);
  if (!Number.isInteger(nodeId) || nodeId < 1 || nodeId > 254) {
    console.error(`provision: --node ${nodeText} out of range 1..254`);
    return 1;
  }
  if (board.role !== 'meter' || board.radio === undefined) {
    console.error(
      `provision: board ${board.name}: role '${board.role}'${board.radio === undefined ? ', no radio section' : ''}; expected a meter with a radio`,
    );
    return 1;
  }
  const authPath = join(out, 'authority.json');
  const regPath = join(out, 'control-unit.json');
  const imgPath = join(out, `node-${nodeId}.store.json`);
  let registry: Registry | undefined;
  try {
    registry = existsSync(regPath) ? (JSON.parse(readFileSync(regPath, 'utf8')) as Registry) : undefined;
  } catch (e) {
    console.error(`provision: ${regPath}: not valid JSON (${(e as Error).message}); nothing written`);
    return 1;
  }
  const known = existsSync(imgPath) || (registry !== undefined && registry.nodes[String(nodeId)] !== undefined);
  if (known && !force) {
    console.error(`provision: node ${nodeId} already has keys (${imgPath} or its entry in ${regPath}); re-provision with --force`);
    return 1;
  }
  let authority: { publicKey: string };
  if (existsSync(authPath)) {
    try {
      authority = JSON.parse(readFileSync(authPath, 'utf8')) as { publicKey: string };
    } catch (e) {
      console.error(`provision: ${authPath}: not valid JSON (${(e as Error).message}); nothing written`);
      return 1;
    }
  } else {
    const a = nacl.sign.keyPair();
    authority = { publicKey: hex(a.publicKey) };
    mkdirSync(out, { recursive: true, mode: 0o700 });
    writeSecretFile(authPath, JSON.stringify({ publicKey: hex(a.publicKey), secretKey: hex(a.secretKey) }, null, 2) + '\n');
    console.log(`wrote ${authPath} (authority key: move it off the head-end)`);
  }
  const r = provisionNode({
    board,
    nodeId,
    authorityPublic: unhex(authority.publicKey),
    registry,
    nodeSecret: nacl.randomBytes(32),
    controlSecret: nacl.randomBytes(32),
    nowS: Math.floor(Date.now() / 1000),
  });
  if ('error' in r) {
    console.error(`provision: ${r.error}`);
    return 1;
  }
  mkdirSync(out, { recursive: true, mode: 0o700 });
  writeSecretFile(imgPath, JSON.stringify(r.image) + '\n');
  writeSecretFile(regPath, JSON.stringify(r.registry, null, 2) + '\n');
  if (existsSync(authPath)) chmodSync(authPath, 0o600);
  console.log(`wrote ${imgPath} and ${regPath}${known ? ' (re-provisioned: --force)' : ''}`);
  return 0;
}

if (isEntry(import.meta.url)) process.exit(main(process.argv.slice(2)));
