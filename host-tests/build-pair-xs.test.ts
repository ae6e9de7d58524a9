// Issue 7 item 2, last step: a BUILT meter node and a BUILT control unit talking to each other
// in XS. Both generated Moddable apps (tools/build/moddable.ts) go into ONE xsnap script, each
// import resolved by its importer's build (tools/build/moddable/xs-pair-proof.ts), and run on
// one simulated air with one virtual clock (xs-pair-sim.ts): sealed telemetry and a trip event
// from the node are printed on the unit's PC link; an authority-signed disconnect typed on the
// PC link crosses the air and the node obeys and acks. Without xsnap the tests are skipped
// with the reason in their titles.
import test, { type Implementation } from 'ava';
import { appendFileSync, cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadBoard } from '../boards/schema';
import { buildModdableWith } from '../tools/build/moddable';
import { XSNAP_BINARY } from '../tools/engines/xsnap';
import { bundlePair, CU_BOARD, NODE_BOARD, pairDelivered, pairFixture, runPairProof } from '../tools/build/moddable/xs-pair-proof';
import { CONTROL_RADIO_ADDRESS, nodeRadioAddress } from '../firmware/app/start';
import { CU_RADIO_ADDRESS, NODE_RADIO_ADDRESS } from '../firmware/app/start-control-unit';

function when(missing: string): (title: string, fn: Implementation<[]>) => void {
  if (missing === '') return (title, fn) => test(title, fn);
  return (title, fn) => test.skip(`${title} [SKIPPED: ${missing}]`, fn);
}
const noXs = existsSync(XSNAP_BINARY) ? '' : `xsnap-worker not built at ${XSNAP_BINARY} (npm rebuild @agoric/xsnap)`;
const withXs = when(noXs);

const root = mkdtempSync(join(tmpdir(), 'build-pair-xs-'));
const nodeDir = join(root, 'node');
const cuDir = join(root, 'cu');
let built: Promise<unknown> | undefined;
const buildOnce = (): Promise<unknown> =>
  (built ??= Promise.all([
    buildModdableWith(loadBoard(NODE_BOARD), nodeDir, { mcconfig: false }),
    buildModdableWith(loadBoard(CU_BOARD), cuDir, { mcconfig: false }),
  ]));
test.after.always(() => rmSync(root, { recursive: true, force: true }));

test("the two builds use one nRF24 address pair: the unit's own is the node's peer, and its peer is node 1's", (t) => {
  t.deepEqual(Array.from(CU_RADIO_ADDRESS), Array.from(CONTROL_RADIO_ADDRESS));
  t.deepEqual(Array.from(NODE_RADIO_ADDRESS), Array.from(nodeRadioAddress(1)));
});

test("the bundler resolves each import by its importer's build: a module only the node declares is refused to the unit", async (t) => {
  await buildOnce();
  const ok = await bundlePair(nodeDir, cuDir);
  t.true(ok.inputs.node.includes('modules/firmware/app/meter-node.js'));
  t.false(ok.inputs.cu.includes('modules/firmware/app/meter-node.js'));
  const cu2 = join(root, 'cu-tampered');
  cpSync(cuDir, cu2, { recursive: true });
  appendFileSync(join(cu2, 'main.js'), '\nimport "firmware/app/meter-node";\n');
  await t.throwsAsync(bundlePair(nodeDir, cu2), {
    message: /'firmware\/app\/meter-node' \(imported by .*cu-tampered.*\) is not declared in the cu build's manifest/,
  });
});

withXs(
  'XS: the built node and the built unit on one air: reading and trip on the PC link, a signed disconnect from the PC link obeyed and acked',
  async (t) => {
    await buildOnce();
    const r = await runPairProof(nodeDir, cuDir);
    t.log(
      `pair: reading ${r.reading?.vrms} V ${r.reading?.irms} A; disconnect ack ${r.disconnect.ack} after ${r.disconnect.ackAfterMs} ms; trip line ${r.trip?.latencyMs} ms after onset; air ${JSON.stringify(r.air)}; ${r.computrons} computrons, ${r.virtualS} virtual s`,
    );
    t.deepEqual(r.errors, []);
    // both builds are in the script, each with its own entry and its own copy of the shared modules
    t.true(r.inputs.node.includes('main.js') && r.inputs.cu.includes('main.js'));
    t.true(r.inputs.node.includes('modules/targets/moddable/main.js'), 'the meter node entry');
    t.true(r.inputs.cu.includes('modules/targets/control-unit/main.js'), 'the control unit entry');
    t.false(r.inputs.cu.includes('modules/firmware/app/meter-node.js'), 'no meter node inside the unit');
    for (const m of ['modules/firmware/link/nrf24.js', 'modules/firmware/link/crypto.js'])
      t.true(r.inputs.node.includes(m) && r.inputs.cu.includes(m), `${m} from both builds`);
    t.true(r.log.includes('link on: node 1, key epoch 0, nRF24 channel 76'), 'the node built its link');
    t.true(
      r.log.some((l) => /^control unit up on esp32-control-unit: 1 node\(s\), radio present/.test(l)),
      'the unit found its radio',
    );
    t.truthy(r.reading, 'the unit opened a sealed reading and printed it');
    t.is(r.reading!.node, 1);
    t.true(Math.abs(r.reading!.vrms - 230) < 2, `${r.reading!.vrms} V`);
    t.true(Math.abs(r.reading!.irms - 10) < 0.2, `${r.reading!.irms} A`);
    t.is(r.disconnect.ack, '1:done');
    t.is(r.disconnect.nodeState, 'open');
    t.is(r.disconnect.relayPin, 0, 'the built node released its relay coil');
    t.false(r.disconnect.contactsClosed);
    t.is(r.reconnect.ack, '2:done');
    t.true(r.reconnect.contactsClosed);
    t.truthy(r.trip, 'the trip event reached the PC link');
    t.is(r.trip!.state, 'tripped');
    // one clock: the unit stamps the line with its receive time, on the node's scheduler
    t.true(r.trip!.latencyMs >= 0 && r.trip!.latencyMs < 50, `trip line ${r.trip!.latencyMs} ms after onset`);
    t.true(
      r.pcLines.every((l) => !/"type":"(alarm|security)"/.test(l)),
      'no alarm or security line on a clean air',
    );
    t.is(r.air.lost, 0);
    t.true(pairDelivered(r));
  },
);

withXs('XS: a unit provisioned with other keys opens nothing, and the built node refuses what it sends', async (t) => {
  await buildOnce();
  const r = await runPairProof(nodeDir, cuDir, { ...pairFixture({ wrongUnitKeys: true }), readingWithinS: 12, ackWithinS: 3 });
  t.log(`wrong keys: errors ${JSON.stringify(r.errors)}`);
  t.is(r.reading, null, 'no reading opened');
  t.is(r.disconnect.ack, 'none');
  t.is(r.disconnect.nodeState, 'closed', 'the node did not obey');
  t.true(r.disconnect.contactsClosed);
  t.is(r.trip, null, 'the trip event stays sealed');
  t.false(pairDelivered(r));
});
