// Monitoring figures: gateway throughput and publish latency (embedded aedes, and a real
// Mosquitto when installed), dashboard bytes, history insert rate, HA entities per node.
// Wall-clock rates on this machine (2 shared cores): read them as orders of magnitude.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join, dirname } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Gateway } from '../gateway/gateway';
import type { LineSource } from '../gateway/gateway';
import { startBroker, brokerUser } from '../gateway/broker';
import { History } from '../gateway/history';
import { nodeDiscovery } from '../gateway/discovery';
import { encodeForward } from '../../firmware/control/pc-link';
import { newTelemetryReading } from '../../firmware/link/telemetry';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const idle: LineSource = { start: (_d, s) => s(true, 'bench'), write: () => undefined, stop: async () => undefined };

function lines(n: number): string[] {
  const out: string[] = [];
  const r = newTelemetryReading();
  for (let k = 0; k < n; k++) {
    Object.assign(r, { vrms: 229 + (k % 7) * 0.3, irms: 1 + (k % 13) * 0.5, p: 200 + (k % 13) * 110, energyWh: 1000 + k, tempC: 21.5, lpgPpm: 300, flags: 1 });
    out.push(encodeForward({ kind: 'reading', nodeId: 1 + (k % 3), tUs: k * 1e5, counter: k, reading: r }));
  }
  return out;
}

async function throughput(url: string, user: string, password: string, version: 4 | 5): Promise<{ msgs_per_s: number; publish_p99_ms: number }> {
  const gw = new Gateway({ mqttUrl: url, username: user, password, protocolVersion: version, source: idle, log: () => undefined });
  await gw.start();
  try {
    // burst: readings decoded and published (SENSOR each; POWER and BREAKER only on change), until the broker acknowledged every SENSOR
    const n = 20_000;
    const ls = lines(30 + n + 500);
    for (let k = 0; k < 30; k++) gw.onLine(ls[k]);
    await sleep(200);
    gw.latencies.length = 0;
    const t0 = performance.now();
    for (let k = 0; k < n; k++) gw.onLine(ls[30 + k]);
    const deadline = performance.now() + 60_000;
    while (gw.latencies.length < n) {
      if (performance.now() > deadline) throw new Error(`gateway bench: ${gw.latencies.length} of ${n} publishes acknowledged in 60 s`);
      await sleep(5);
    }
    const rate = Math.round(n / ((performance.now() - t0) / 1000));
    // paced: 500 readings 2 ms apart, from line arrival to the broker's PUBACK
    gw.latencies.length = 0;
    for (let k = 0; k < 500; k++) {
      gw.onLine(ls[30 + n + k]);
      await sleep(2);
    }
    while (gw.latencies.length < 500) {
      if (performance.now() > deadline + 30_000) throw new Error('gateway bench: paced publishes not acknowledged');
      await sleep(5);
    }
    const s = [...gw.latencies].sort((a, b) => a - b);
    return { msgs_per_s: rate, publish_p99_ms: Math.round(s[Math.floor(0.99 * (s.length - 1))] * 100) / 100 };
  } finally {
    await gw.stop();
  }
}

async function mosquitto(): Promise<{ url: string; stop: () => void } | undefined> {
  const bin = ['/usr/sbin/mosquitto', '/usr/bin/mosquitto'].find((p) => existsSync(p));
  const pw = ['/usr/bin/mosquitto_passwd', '/usr/sbin/mosquitto_passwd'].find((p) => existsSync(p));
  if (bin === undefined || pw === undefined) return undefined;
  const dir = mkdtempSync(join(tmpdir(), 'mosq-bench-'));
  const port = await new Promise<number>((r) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => r(typeof a === 'object' && a !== null ? a.port : 0));
    });
  });
  writeFileSync(join(dir, 'passwd'), '');
  spawnSync(pw, ['-b', join(dir, 'passwd'), 'gw', 'pw-gw']);
  writeFileSync(
    join(dir, 'conf'),
    `listener ${port} 127.0.0.1\nallow_anonymous false\npassword_file ${join(dir, 'passwd')}\npersistence false\nuser ${userInfo().username}\n`,
  );
  const proc = spawn(bin, ['-c', join(dir, 'conf')], { stdio: 'ignore' });
  const stop = () => {
    if (proc.exitCode === null) proc.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  };
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise<boolean>((r) => {
      const c = connect(port, '127.0.0.1');
      c.once('connect', () => (c.destroy(), r(true)));
      c.once('error', () => r(false));
    });
    if (ok) return { url: `mqtt://127.0.0.1:${port}`, stop };
    await sleep(50);
  }
  stop();
  return undefined;
}

export async function gatewayBench() {
  const broker = await startBroker({ port: 0, users: [brokerUser('gw', 'pw-gw', 'gateway')] });
  let embedded;
  try {
    embedded = await throughput(`mqtt://127.0.0.1:${broker.port}`, 'gw', 'pw-gw', 4);
  } finally {
    await broker.close();
  }
  let mosq: { msgs_per_s: number; publish_p99_ms: number } | null = null;
  const m = await mosquitto();
  if (m !== undefined) {
    try {
      mosq = await throughput(m.url, 'gw', 'pw-gw', 5);
    } finally {
      m.stop();
    }
  }
  // history: readings inserted per second (each one transaction, three resolution rows)
  const dir = mkdtempSync(join(tmpdir(), 'hist-bench-'));
  let rowsPerS = 0;
  try {
    const h = new History(join(dir, 'h.db'));
    const n = 20_000;
    const t0 = performance.now();
    for (let k = 0; k < n; k++)
      h.reading(
        { type: 'reading', node: 1 + (k % 3), t: k, ctr: k, V: 230, I: 1, P: 230, E: k, PF: 1, T: 20, gas: 300, flags: 1, relay: 'closed' },
        1.8e12 + k * 333,
      );
    rowsPerS = Math.round(n / ((performance.now() - t0) / 1000));
    h.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const web = join(dirname(fileURLToPath(import.meta.url)), '../gateway/web');
  const uplot = dirname(createRequire(import.meta.url).resolve('uplot/dist/uPlot.iife.min.js'));
  const files = [join(web, 'index.html'), join(web, 'app.js'), join(web, 'app.css'), join(uplot, 'uPlot.iife.min.js'), join(uplot, 'uPlot.min.css')];
  const bytes = files.reduce((s, f) => s + statSync(f).size, 0);
  return {
    gateway: {
      msgs_per_s: { embedded: embedded.msgs_per_s, mosquitto: mosq === null ? null : mosq.msgs_per_s },
      publish_p99_ms: { embedded: embedded.publish_p99_ms, mosquitto: mosq === null ? null : mosq.publish_p99_ms },
    },
    dashboard: { bytes },
    history: { rows_per_s: rowsPerS },
    ha: { discovery_entities: nodeDiscovery('home', 1, 'gw1').length },
  };
}
