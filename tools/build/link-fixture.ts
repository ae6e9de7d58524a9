// Host side of the engine link proofs (tools/build/link-e2e.ts): a provisioned node and its
// control unit, made by the real provisioning code (tools/provision.ts) from seeded secrets, so
// every run is byte for byte the same, and the authority's signed commands for that node
// (firmware/link/command.ts, signed offline as the authority would: the engines never see the
// authority's secret key).
import nacl from 'tweetnacl';
import type { BoardDescription } from '../../boards/board';
import { CMD_DISCONNECT, CMD_RECONNECT, encodeCommand, newCommand } from '../../firmware/link/command';
import { controlNodes, provisionNode } from '../provision';
import { hex, type PeerNodeJson } from './link-e2e';

/** what the engine proofs take: JSON only */
export interface LinkFixture {
  nodeId: number;
  /** the node's flash image: store key -> bytes (SimStore snapshot, as tools/provision.ts writes it) */
  image: Record<string, number[]>;
  /** the control unit's registry entries (hex keys) */
  nodes: PeerNodeJson[];
  /** the provisioning epoch, unix s: the node's wall clock starts there */
  provisionedAt: number;
  /** authority-signed commands, hex: disconnect (relay 1, reason 3 maintenance), then reconnect */
  disconnect: string;
  reconnect: string;
  channel: number;
}

/** 2026-09-21, as tools/sim/net-scenarios.ts */
export const FIXTURE_PROVISIONED_AT_S = 1_790_000_000;

function seeded(n: number, tag: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 37 + tag * 101 + 7) & 0xff;
  return b;
}

export function makeLinkFixture(board: BoardDescription, nodeId = 1): LinkFixture {
  if (board.radio === undefined) throw new Error(`board ${board.name}: no radio section`);
  const authority = nacl.sign.keyPair.fromSeed(seeded(32, 1));
  const r = provisionNode({
    board,
    nodeId,
    authorityPublic: authority.publicKey,
    nodeSecret: seeded(32, 2),
    controlSecret: seeded(32, 3),
    nowS: FIXTURE_PROVISIONED_AT_S,
  });
  if ('error' in r) throw new Error(r.error);
  const at = r.registry.nodes[String(nodeId)].provisionedAt;
  const sign = (code: number, seq: number): string => {
    const c = newCommand(code, nodeId, seq);
    c.relay = 1;
    if (code === CMD_DISCONNECT) c.reason = 3;
    c.provisionedAt = at;
    // valid from a minute before the provisioning for an hour: the fresh node's wall clock
    // starts at the provisioning epoch (firmware/app/node-clock.ts)
    c.notBefore = at - 60;
    c.notAfter = at + 3600;
    return hex(encodeCommand(c, authority.secretKey));
  };
  const nodes = controlNodes(r.registry).map((n) => ({
    nodeId: n.nodeId,
    epoch: n.epoch,
    up: hex(n.up),
    down: hex(n.down),
    publicKey: hex(n.publicKey ?? new Uint8Array(32)),
  }));
  return {
    nodeId,
    image: r.image.store,
    nodes,
    provisionedAt: at,
    disconnect: sign(CMD_DISCONNECT, 1),
    reconnect: sign(CMD_RECONNECT, 2),
    channel: board.radio.channel,
  };
}
