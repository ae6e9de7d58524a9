// Bad input on the gateway's two sides: the broker goes away (a clear log line, retries,
// history still written, publishing resumes when it returns) and the control unit goes
// away mid-line (the partial line dropped with a log line, nodes shown Offline).
import test from 'ava';
import mqtt from 'mqtt';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Gateway } from '../tools/gateway/gateway';
import type { LineSource } from '../tools/gateway/gateway';
import { startBroker, brokerUser } from '../tools/gateway/broker';
import { History } from '../tools/gateway/history';
import { encodeForward } from '../firmware/control/pc-link';
import { newTelemetryReading } from '../firmware/link/telemetry';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(what: string, pred: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

class FakePort implements LineSource {
  data: (c: string) => void = () => undefined;
  state: (up: boolean, why: string) => void = () => undefined;
  start(d: (c: string) => void, s: (up: boolean, why: string) => void): void {
    this.data = d;
    this.state = s;
    s(true, 'fake');
  }
  write(): void {}
  async stop(): Promise<void> {}
}

function line(node: number, wh: number): string {
  const r = newTelemetryReading();
  Object.assign(r, { vrms: 230, irms: 1, p: 230, energyWh: wh, tempC: 20, lpgPpm: 300, flags: 1 });
  return encodeForward({ kind: 'reading', nodeId: node, tUs: wh * 1e6, counter: wh, reading: r }) + '\n';
}

test('broker outage: logged, history kept, publishing resumes; the unit gone mid-line: partial line dropped, nodes Offline', async (t) => {
  const users = [brokerUser('gw', 'pw-gw', 'gateway'), brokerUser('house', 'pw-house', 'household')];
  let broker = await startBroker({ port: 0, users });
  const port = broker.port;
  const dir = mkdtempSync(join(tmpdir(), 'outage-'));
  const h = new History(join(dir, 'h.db'));
  const logs: string[] = [];
  const src = new FakePort();
  const gw = new Gateway({ mqttUrl: `mqtt://127.0.0.1:${port}`, username: 'gw', password: 'pw-gw', protocolVersion: 4, source: src, log: (l) => logs.push(l) });
  gw.on('msg', (m, wall: Date) => {
    if (m.type === 'reading') h.reading(m, wall.getTime());
  });
  let sub: mqtt.MqttClient | undefined;
  try {
    await gw.start();
    src.data(line(1, 100));
    await broker.close();
    await until('offline log', () => logs.some((l) => /broker unreachable, retry in/.test(l)));
    for (let k = 1; k <= 5; k++) src.data(line(1, 100 + k));
    t.is((h.db.prepare('SELECT count(*) AS c FROM readings WHERE res = 1').get() as { c: number }).c >= 1, true);
    t.is((h.db.prepare('SELECT max(e) AS m FROM readings WHERE res = 1').get() as { m: number }).m, 105, 'history written while the broker is away');
    broker = await startBroker({ port, users });
    sub = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { username: 'house', password: 'pw-house', protocolVersion: 4 });
    const got: string[] = [];
    sub.on('message', (topic, p) => got.push(`${topic} ${p}`));
    await sub.subscribeAsync(['tele/home-n1/#']);
    await until('reconnect', () => gw.client?.connected === true, 15_000);
    src.data(line(1, 106));
    await until('publish after reconnect', () => got.some((g) => g.startsWith('tele/home-n1/SENSOR') && g.includes('"Total":0.106')));
    // the unit goes away in the middle of a line
    src.data(line(1, 107).slice(0, 40));
    src.state(false, 'unplugged');
    await until('nodes offline', () => got.includes('tele/home-n1/LWT Offline'));
    t.true(logs.some((l) => /partial line of 40 characters dropped/.test(l)));
    t.true(logs.some((l) => /control unit lost: unplugged/.test(l)));
    const a = await gw.request({ cmd: 'ping', role: 'household' });
    t.deepEqual(a, { ok: false, error: 'control unit not connected' });
  } finally {
    await sub?.endAsync();
    await gw.stop();
    await broker.close();
    h.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
