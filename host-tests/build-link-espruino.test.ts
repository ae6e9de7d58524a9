// The radio link inside the BUILT Espruino upload, in the REAL interpreter (Espruino 2v29 for
// Linux): app.js as `npm run build -- --target espruino` writes it boots from Storage with the
// node's provisioned key records, attaches NodeLink over the nRF24 driver on SPI1 (sck/mosi/
// miso from the board), CE and IRQ; the chip model and a peer control unit sit behind SPI1.send,
// the CE write and the IRQ watch (tools/build/espruino/radio-standin.ts, in the same
// interpreter). Sampled virtual time (real.ts meterDriver). Skipped, with the reason in the
// title, where the binary is missing.
import { loadBoard } from '../boards/schema';
import { linkOnVars, runEspruinoLinkProof } from '../tools/build/espruino/link-proof';
import { ESPRUINO_VARS_LINK_ON } from '../tools/build/espruino/rate';
import { espruinoMissing } from '../tools/build/espruino/real';
import { testIf } from './support/needs';

const board = loadBoard('espruino-esp32-wroom');
const realTest = testIf(espruinoMissing('linux'));
const esp32varsTest = testIf(espruinoMissing('esp32vars'));

realTest(
  'real Espruino: the built node sends sealed telemetry and a trip event to a peer control unit, and obeys its signed disconnect and reconnect',
  async (t) => {
    t.timeout(600000);
    const r = await runEspruinoLinkProof(board, 'linux', true, 480000);
    t.log(
      `link: ${r.linkStatus}; ${r.readings} reading(s), ${r.sealedOpened} sealed frames opened; SPI1: ${r.bus.transfers} transfers; memory ${r.mem.usage} of ${r.mem.total} variables (stand-ins and peer: ${r.memAtInstall})`,
    );
    t.deepEqual(r.appErrors, []);
    t.deepEqual(r.errors, []);
    t.is(r.linkStatus, 'link on: node 1, key epoch 0, nRF24 channel 76');
    t.is(r.bus.setups, 1);
    t.is(r.bus.badSetup, '', "SPI1 set up on the board's sck/mosi/miso");
    t.true(r.readings >= 1, 'the peer opened a telemetry frame');
    t.true(Math.abs(r.firstReading!.vrms - 230) < 2 && Math.abs(r.firstReading!.irms - 10) < 0.2, JSON.stringify(r.firstReading));
    t.is(r.disconnect.ack, '1:done');
    t.is(r.disconnect.state, 'open');
    t.is(r.disconnect.relayPin, 0, 'the relay pin is written open');
    t.is(r.reconnect.ack, '2:done');
    t.is(r.reconnect.state, 'closed');
    t.truthy(r.trip, 'the trip event reached the peer');
    t.is(r.trip!.state, 'tripped');
    t.is(r.peerRejects, 0);
  },
);

realTest('real Espruino: a node without provisioned keys says the link is off and the built app still meters', async (t) => {
  t.timeout(600000);
  const r = await runEspruinoLinkProof(board, 'linux', false, 480000);
  t.is(r.linkStatus, 'link off: no provisioned keys (link.keys missing: run tools/provision.ts); the node protects the home as usual');
  t.is(r.readings, 0);
  t.deepEqual(r.appErrors, []);
  t.is(r.disconnect.state, 'closed', 'nothing reached the node');
});

esp32varsTest('real Espruino (ESP32 variable format): the app with its keys and the link on fits, with the recorded figure', async (t) => {
  const m = await linkOnVars(board);
  t.log(`espruino.vars_link_on = ${m.usage} of ${m.total} (${Math.round((m.usage * 14) / 1024)} kB)`);
  t.deepEqual(m.errors, []);
  t.is(m.linkStatus, 'link on: node 1, key epoch 0, nRF24 channel 76');
  t.is(m.total, 16383);
  t.true(
    Math.abs(m.usage - ESPRUINO_VARS_LINK_ON) <= ESPRUINO_VARS_LINK_ON * 0.1,
    `measured ${m.usage}, recorded ${ESPRUINO_VARS_LINK_ON}: update rate.ts, docs/BUILD-ESPRUINO.md and docs/LINK.md`,
  );
});
