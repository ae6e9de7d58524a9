// `npm start`: the simulated home (a control unit and three meter nodes on the simulated
// air) with the gateway, the embedded MQTT broker, the history and the dashboard.
// `npm run gateway -- --port /dev/ttyUSB0`: the same for a real control unit on a serial
// port (tools/gateway/main.ts shares this file's flag handling).
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SimHome, HOME_BOARDS, HOME_SCENARIOS, NODE_NAMES, liveHomeOptions } from './home/home';
import { HomeSource, SerialSource } from './gateway/sources';
import { startService } from './gateway/service';
import type { LineSource } from './gateway/gateway';

const REPO = resolve(fileURLToPath(import.meta.url), '../..');

const OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  'http-port': { type: 'string' },
  'mqtt-port': { type: 'string' },
  bind: { type: 'string' },
  speed: { type: 'string' },
  scenario: { type: 'string' },
  seed: { type: 'string' },
  'state-dir': { type: 'string' },
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
  'mqtt-url': { type: 'string' },
  'mqtt-user': { type: 'string' },
  'mqtt-password': { type: 'string' },
  port: { type: 'string' },
  baud: { type: 'string' },
} as const;

function usage(serial: boolean): string {
  return [
    serial ? 'usage: npm run gateway -- --port <serial device> [options]' : 'usage: npm start -- [options]',
    serial
      ? '  a real control unit on a serial port (PC link, docs/PC-LINK.md)'
      : '  the simulated home: a control unit and three meter nodes, the gateway, MQTT broker and dashboard',
    ...(serial
      ? ['  --port <path>        serial device, e.g. /dev/ttyUSB0 (required)', '  --baud <n>           baud rate (default 115200)']
      : [
          '  --speed <n>          simulated time per real second (default 1; 1..15)',
          `  --scenario <name>    inject a fault or attack: ${HOME_SCENARIOS.map((s) => s.name).join(', ')}`,
          "  --seed <n>           the simulated home's seed (default 7)",
        ]),
    '  --http-port <n>      dashboard port (default 8080; 0 picks a free one)',
    '  --mqtt-port <n>      embedded broker port (default 1883; 0 picks a free one)',
    '  --bind <address>     dashboard address (default 127.0.0.1; any other needs TLS and a login)',
    '  --tls-cert <file> --tls-key <file>   the dashboard certificate (default beyond 127.0.0.1: self-signed, made at first run)',
    '  --mqtt-url <url> --mqtt-user <u> --mqtt-password <p>   an external broker instead of the embedded one',
    '  --state-dir <dir>    secrets and history (default .smartmeter/ in the repository, git-ignored)',
    '  -h, --help           this text',
  ].join('\n');
}

function port(v: string | undefined, dflt: number, name: string): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`--${name} ${v}: an integer 0..65535`);
  return n;
}

export async function main(argv: string[], serial: boolean): Promise<number> {
  let a;
  try {
    a = parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: false }).values;
  } catch (e) {
    process.stderr.write(`${(e as Error).message.split('\n')[0]}\n`);
    return 2;
  }
  if (a.help) {
    process.stdout.write(usage(serial) + '\n');
    return 0;
  }
  let source: LineSource;
  let home: SimHome | undefined;
  let speed = 1;
  try {
    if (serial) {
      if (a.port === undefined) throw new Error('--port <serial device> is required');
      const baud = a.baud === undefined ? 115200 : Number(a.baud);
      if (!Number.isInteger(baud) || baud < 300 || baud > 4_000_000) throw new Error(`--baud ${a.baud}: 300..4000000`);
      source = new SerialSource(a.port, baud);
    } else {
      for (const k of ['port', 'baud'] as const) if (a[k] !== undefined) throw new Error(`--${k} is for npm run gateway`);
      speed = a.speed === undefined ? 1 : Number(a.speed);
      if (!(speed >= 0.1 && speed <= 15)) throw new Error(`--speed ${a.speed}: 0.1..15`);
      const seed = a.seed === undefined ? 7 : Number(a.seed);
      if (!Number.isInteger(seed)) throw new Error(`--seed ${a.seed}: an integer`);
      // the unit's clock starts unset; the gateway sets it from this host's clock at connect
      home = new SimHome(liveHomeOptions(seed, Date.now()));
      if (a.scenario !== undefined) {
        const err = home.schedule(a.scenario);
        if (err !== '') throw new Error(`--${err}`);
      }
      source = new HomeSource(home);
    }
    port(a['http-port'], 8080, 'http-port');
    port(a['mqtt-port'], 1883, 'mqtt-port');
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    return 2;
  }
  const svc = await startService({
    source,
    stateDir: resolve(a['state-dir'] ?? resolve(REPO, '.smartmeter')),
    httpHost: a.bind ?? '127.0.0.1',
    httpPort: port(a['http-port'], 8080, 'http-port'),
    mqttPort: port(a['mqtt-port'], 1883, 'mqtt-port'),
    mqttUrl: a['mqtt-url'],
    mqttUser: a['mqtt-user'],
    mqttPassword: a['mqtt-password'],
    tlsCert: a['tls-cert'],
    tlsKey: a['tls-key'],
    boards: home ? HOME_BOARDS : undefined,
    names: home ? NODE_NAMES : undefined,
  });
  process.stdout.write(`dashboard: ${svc.dashboardUrl}\nmqtt: ${svc.mqttUrl}\nuser: ${svc.user}\npassword: ${svc.password}\n`);
  if (home) {
    process.stdout.write(
      `simulated home: ${Object.entries(HOME_BOARDS)
        .map(([id, b]) => `node ${id} ${NODE_NAMES[Number(id)]} (${b})`)
        .join(', ')}; ${speed}x real time${a.scenario ? `; scenario ${a.scenario}` : ''}\n`,
    );
    home.start(speed);
  }
  await new Promise<void>((resolveStop) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      process.stdout.write('stopping\n');
      home?.stop();
      svc.stop().then(resolveStop, (e) => {
        process.stderr.write(`stop: ${(e as Error).message}\n`);
        resolveStop();
      });
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  return 0;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2), false).then(
    (code) => process.exit(code),
    (e) => {
      process.stderr.write(`${(e as Error).message}\n`);
      process.exit(1);
    },
  );
}
