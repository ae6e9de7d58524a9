// The radio link inside the BUILT Moddable meter node, proved in XS (xsnap): the generated
// main.js and modules (build/moddable/<board>/) boot on a provisioned flash, attach NodeLink
// over the nRF24 driver on the board's SPI/CE/IRQ pins, and talk through the nRF24 chip model
// on a simulated air to a peer control unit (firmware/app/control-unit.ts over the same
// driver) in the same XS script (tools/build/moddable/xs-sim.ts runLinkScenario,
// tools/build/link-e2e.ts). Virtual time throughout.
import test from 'ava';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadBoard } from '../boards/schema';
import { buildModdableWith } from '../tools/build/moddable';
import { runXsLinkProof, runXsProof } from '../tools/build/moddable/xs-proof';
import { makeLinkFixture } from '../tools/build/link-fixture';
import type { BuildResult } from '../tools/build/types';

const BOARD = 'esp32-devkitc-meter';
const board = loadBoard(BOARD);
const dir = mkdtempSync(join(tmpdir(), 'build-link-xs-'));
let built: Promise<BuildResult> | undefined;
const buildOnce = (): Promise<BuildResult> => (built ??= buildModdableWith(board, dir, { mcconfig: false }));
test.after.always(() => rmSync(dir, { recursive: true, force: true }));

test('the Moddable build carries the link: NodeLink, the nRF24 driver, the crypto and the command guard are declared modules', async (t) => {
  const r = await buildOnce();
  for (const m of [
    'firmware/app/node-link',
    'firmware/link/nrf24',
    'firmware/link/crypto',
    'firmware/link/command',
    'firmware/link/keys',
    'firmware/link/ed25519-noble',
    'tweetnacl',
    'noble-curves',
  ]) {
    t.true(r.files.includes(`modules/${m}.js`), `${m} in the build`);
  }
});

test('XS: the built node sends sealed telemetry and a trip event to a peer control unit, and obeys its signed disconnect and reconnect', async (t) => {
  await buildOnce();
  const r = await runXsLinkProof(dir, makeLinkFixture(board));
  t.log(
    `link: ${r.linkStatus}; ${r.readings} reading(s), ${r.sealedOpened} sealed frames opened; trip event ${r.trip?.latencyMs} ms after onset; ${r.computrons} computrons`,
  );
  t.deepEqual(r.errors, []);
  t.is(r.linkStatus, 'link on: node 1, key epoch 0, nRF24 channel 76');
  t.true(r.readings >= 1, 'the peer opened a telemetry frame');
  t.truthy(r.firstReading);
  t.true(Math.abs(r.firstReading!.vrms - 230) < 2, `reading ${r.firstReading!.vrms} V`);
  t.true(Math.abs(r.firstReading!.irms - 10) < 0.2, `reading ${r.firstReading!.irms} A`);
  t.is(r.disconnect.ack, '1:done');
  t.is(r.disconnect.state, 'open');
  t.is(r.disconnect.relayPin, 0, 'the relay coil is released');
  t.false(r.disconnect.contactsClosed);
  t.is(r.reconnect.ack, '2:done');
  t.true(r.reconnect.contactsClosed);
  t.truthy(r.trip, 'the trip event reached the peer');
  t.is(r.trip!.state, 'tripped');
  t.true(r.trip!.latencyMs < 50, `trip event ${r.trip!.latencyMs} ms after onset`);
  t.is(r.peerRejects, 0);
  t.true(r.air.acked >= r.sealedOpened, 'every frame went through the chip with an ACK');
  // the two signed commands were verified by noble (verifyStrictNoble, ~2 M computrons each):
  // with tweetnacl's 43.5 M each the same run costs ~147 M computrons
  t.true(r.computrons < 100e6, `${r.computrons} computrons: the verifies did not go through noble`);
});

test('XS: a peer with the wrong keys opens nothing, and the node refuses its commands', async (t) => {
  await buildOnce();
  const fx = makeLinkFixture(board);
  const flip = (h: string) => (h[0] === '0' ? '1' : '0') + h.slice(1);
  fx.nodes = fx.nodes.map((n) => ({ ...n, up: flip(n.up), down: flip(n.down) }));
  const r = await runXsLinkProof(dir, fx);
  t.is(r.readings, 0);
  t.is(r.trip, null);
  t.true(r.peerRejects > 0, 'the peer logged the refusals');
  t.is(r.disconnect.ack, 'none');
  t.is(r.disconnect.state, 'closed', 'an unauthenticated disconnect is not obeyed');
});

test('XS: a node without provisioned keys says the link is off and still trips', async (t) => {
  await buildOnce();
  const { results } = await runXsProof(dir, [{ fault: 'shortCircuit', afterMs: 300 }]);
  const r = results[0];
  const line = r.log.find((l) => l.startsWith('link '));
  t.is(line, 'link off: no provisioned keys (link.keys missing: run tools/provision.ts); the node protects the home as usual');
  t.is(r.trips[0]?.state, 'tripped');
  t.false(r.contactsClosed);
});
