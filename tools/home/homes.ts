// `npm run sim -- --homes N [--seconds S]`: N simulated homes (a control unit and three
// meter nodes each), each with its own stateless gateway, all publishing to one embedded
// broker, in accelerated time (as fast as the simulator goes). Prints one JSON object:
// the simulated seconds per wall second for all homes together (realtime_factor).
import { parseArgs } from 'node:util';
import { SimHome } from './home';
import { Gateway } from '../gateway/gateway';
import { HomeSource } from '../gateway/sources';
import { startBroker, brokerUser } from '../gateway/broker';

export interface HomesResult {
  homes: number;
  nodes: number;
  sim_s: number;
  wall_s: number;
  realtime_factor: number;
  readings: number;
  published: number;
}

export async function runHomes(n: number, seconds: number): Promise<HomesResult> {
  const broker = await startBroker({ port: 0, users: [brokerUser('gw', 'pw-gw', 'gateway')] });
  const homes: SimHome[] = [];
  const gws: Gateway[] = [];
  try {
    for (let i = 0; i < n; i++) {
      // the unit's clock unset at boot, as npm start's: each gateway's `time` at connect is its first set
      const h = new SimHome({ seed: 1000 + i, reportEveryS: 10, rtc: false });
      const g = new Gateway({
        mqttUrl: `mqtt://127.0.0.1:${broker.port}`,
        username: 'gw',
        password: 'pw-gw',
        protocolVersion: 4,
        home: `home${i + 1}`,
        id: `gw${i + 1}`,
        source: new HomeSource(h),
        log: () => undefined,
      });
      await g.start();
      homes.push(h);
      gws.push(g);
    }
    const t0 = performance.now();
    for (let s = 0; s < seconds; s++) {
      for (const h of homes) h.step(1);
      await new Promise((r) => setImmediate(r));
    }
    const wall = (performance.now() - t0) / 1000;
    const readings = gws.reduce((a, g) => a + g.stats.readings, 0);
    const published = gws.reduce((a, g) => a + g.stats.published, 0);
    return {
      homes: n,
      nodes: 3 * n,
      sim_s: seconds,
      wall_s: Math.round(wall * 100) / 100,
      realtime_factor: Math.round((seconds / wall) * 100) / 100,
      readings,
      published,
    };
  } finally {
    for (const g of gws) await g.stop();
    await broker.close();
  }
}

export async function homesCli(argv: string[]): Promise<number> {
  let a;
  try {
    a = parseArgs({
      args: argv,
      strict: true,
      options: { homes: { type: 'string' }, seconds: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    }).values;
  } catch (e) {
    process.stderr.write(`${(e as Error).message.split('\n')[0]}\n`);
    return 2;
  }
  if (a.help) {
    process.stdout.write(
      'usage: npm run sim -- --homes N [--seconds S]\n  N homes (1..1000) of a control unit and three meter nodes, one stateless gateway each, one embedded broker; S simulated seconds (default 60)\n',
    );
    return 0;
  }
  const n = Number(a.homes);
  const s = a.seconds === undefined ? 60 : Number(a.seconds);
  if (!Number.isInteger(n) || n < 1 || n > 1000) {
    process.stderr.write(`--homes ${a.homes}: an integer 1..1000\n`);
    return 2;
  }
  if (!Number.isInteger(s) || s < 1 || s > 86400) {
    process.stderr.write(`--seconds ${a.seconds}: an integer 1..86400\n`);
    return 2;
  }
  process.stdout.write(JSON.stringify(await runHomes(n, s)) + '\n');
  return 0;
}
