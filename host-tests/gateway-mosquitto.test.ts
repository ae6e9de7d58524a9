// The gateway against a real Mosquitto (Debian's package) over MQTT 5: the test writes a
// config, a password file (mosquitto_passwd) and an ACL file, starts the broker on a free
// port, and always stops it. Skips visibly when mosquitto is not installed.
import test from 'ava';
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { SimHome } from '../tools/home/home';
import { Gateway } from '../tools/gateway/gateway';
import { HomeSource } from '../tools/gateway/sources';
import { checkDiscovery } from './gateway-ha-schema';

const MOSQUITTO = ['/usr/sbin/mosquitto', '/usr/bin/mosquitto'].find((p) => existsSync(p));
const PASSWD = ['/usr/bin/mosquitto_passwd', '/usr/sbin/mosquitto_passwd'].find((p) => existsSync(p));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a !== null ? a.port : 0));
    });
  });
}

async function waitPort(port: number, ms: number): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    const ok = await new Promise<boolean>((r) => {
      const c = connect(port, '127.0.0.1');
      c.once('connect', () => (c.destroy(), r(true)));
      c.once('error', () => r(false));
    });
    if (ok) return;
    if (Date.now() > end) throw new Error(`mosquitto did not listen on ${port}`);
    await sleep(50);
  }
}

async function startMosquitto(): Promise<{ port: number; proc: ChildProcess; dir: string; stop: () => void }> {
  const dir = mkdtempSync(join(tmpdir(), 'mosq-'));
  const port = await freePort();
  const pw = join(dir, 'passwd');
  writeFileSync(pw, '');
  for (const [u, p] of [
    ['house', 'pw-house'],
    ['gw', 'pw-gw'],
    ['guest', 'pw-guest'],
  ]) {
    const r = spawnSync(PASSWD!, ['-b', pw, u, p]);
    if (r.status !== 0) throw new Error(`mosquitto_passwd: ${r.stderr}`);
  }
  // the same ACL as the embedded broker (tools/gateway/broker.ts ACL)
  writeFileSync(
    join(dir, 'acl'),
    [
      'user house',
      'topic read tele/#',
      'topic read stat/#',
      'topic read homeassistant/#',
      'topic read smartmeter/gateway/#',
      'topic write cmnd/+/POWER',
      'topic readwrite reply/#',
      '',
      'user gw',
      'topic write tele/#',
      'topic readwrite stat/#',
      'topic write homeassistant/#',
      'topic write smartmeter/gateway/#',
      'topic read cmnd/#',
      'topic read tele/+/SENSOR',
      'topic write reply/#',
      '',
      'user guest',
      'topic read tele/+/SENSOR',
      'topic read stat/+/RESULT',
      'topic write cmnd/+/GUEST/POWER',
      '',
    ].join('\n'),
  );
  writeFileSync(
    join(dir, 'conf'),
    [
      `listener ${port} 127.0.0.1`,
      'allow_anonymous false',
      `password_file ${pw}`,
      `acl_file ${join(dir, 'acl')}`,
      'persistence false',
      `user ${userInfo().username}` /* as root, mosquitto would drop to user mosquitto, which cannot read our 0700 temp dir */,
    ].join('\n') + '\n',
  );
  const proc = spawn(MOSQUITTO!, ['-c', join(dir, 'conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  proc.stderr!.on('data', (d) => (err += d));
  const stop = () => {
    if (proc.exitCode === null) proc.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitPort(port, 5000);
  } catch (e) {
    stop();
    throw new Error(`${(e as Error).message}: ${err}`);
  }
  return { port, proc, dir, stop };
}

// a missing broker skips, visibly, with the reason in the title (it never passes)
const noMosquitto = MOSQUITTO === undefined || PASSWD === undefined ? ' [SKIPPED: mosquitto / mosquitto_passwd not installed (Debian package mosquitto)]' : '';
(noMosquitto === '' ? test : test.skip)(
  `gateway over MQTT 5 to a real Mosquitto: readings, HA discovery, a relay command answered on its response topic${noMosquitto}`,
  async (t) => {
    const m = await startMosquitto();
    const url = `mqtt://127.0.0.1:${m.port}`;
    const home = new SimHome({ seed: 9 });
    const gw = new Gateway({ mqttUrl: url, username: 'gw', password: 'pw-gw', protocolVersion: 5, source: new HomeSource(home), log: () => undefined });
    let ha: mqtt.MqttClient | undefined;
    try {
      await gw.start();
      ha = await mqtt.connectAsync(url, { username: 'house', password: 'pw-house', protocolVersion: 5 });
      const seen = new Map<string, string>();
      const replies: { payload: string; corr: string }[] = [];
      ha.on('message', (topic, p, packet) => {
        seen.set(topic, p.toString());
        if (topic === 'reply/test') replies.push({ payload: p.toString(), corr: String(packet.properties?.correlationData) });
      });
      await ha.subscribeAsync(['homeassistant/#', 'tele/#', 'stat/#', 'reply/test']);
      // 12 s: the unit's second `energy` line (every 10 s in the home; the first goes out in
      // the home's constructor, before the gateway listens)
      for (let i = 0; i < 12; i++) {
        home.step(1);
        await sleep(5);
      }
      const end = Date.now() + 5000;
      while (!(seen.has('tele/home-n3/SENSOR') && [...seen.keys()].filter((k) => k.startsWith('homeassistant/')).length === 57 + 5) && Date.now() < end)
        await sleep(20);
      const disc = [...seen.keys()].filter((k) => k.startsWith('homeassistant/'));
      t.is(disc.filter((k) => k.includes('/home-n')).length, 57, 'discovery entities: 3 nodes x 19 (seven alarm kinds)');
      t.is(disc.filter((k) => k.includes('/home-cu/')).length, 5, 'the unit: 5 energy entities');
      for (const k of disc) t.deepEqual(checkDiscovery(k, JSON.parse(seen.get(k)!)), [], k);
      t.true(JSON.parse(seen.get('tele/home-n3/SENSOR')!).ENERGY.Voltage > 200);
      await ha.publishAsync('cmnd/home-n3/POWER', 'OFF', { properties: { responseTopic: 'reply/test', correlationData: Buffer.from('c-42') } });
      while (replies.length === 0 && Date.now() < end + 5000) await sleep(20);
      t.deepEqual(replies[0], { payload: '{"POWER":"OFF"}', corr: 'c-42' });
      // the household relay message goes over the simulated air: the node obeys once time runs
      home.step(1);
      t.is(home.net.nodeOf(3).node.state(), 'open');
    } finally {
      if (ha !== undefined) await ha.endAsync();
      await gw.stop();
      m.stop();
    }
  },
);
