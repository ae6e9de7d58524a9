// The gateway keeps the control unit's clock (issue 7, item 4): a PC-link `time` as the
// household at connect and then every `timeEveryMs`, from the host's clock, each reply
// logged. Against the control unit as its board starts it (startControlUnit on a simulated
// board with no RTC time), and against the simulated home (tools/home) as `npm start` runs
// it: the same startControlUnit on its simulated board, its clock unset until this set.
import test from 'ava';
import controlJson from '../boards/esp32-control-unit.json';
import type { BoardDescription } from '../boards/board';
import { SimBoard } from '../hal/sim/board';
import { SimR30xChip } from '../hal/sim/r30x-chip';
import { startControlUnit } from '../firmware/app/start-control-unit';
import { Gateway } from '../tools/gateway/gateway';
import type { LineSource } from '../tools/gateway/gateway';
import { HomeSource } from '../tools/gateway/sources';
import { startBroker, brokerUser } from '../tools/gateway/broker';
import { SimHome, liveHomeOptions } from '../tools/home/home';

const BOARD = controlJson as unknown as BoardDescription;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, pred: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** The built unit's PC link as a line source (replies on the next turn, as a serial port). */
class UnitSource implements LineSource {
  readonly sent: any[] = [];
  private onData: ((c: string) => void) | undefined;
  readonly sim = new SimBoard({ board: BOARD });
  readonly app;
  constructor() {
    new SimR30xChip({ sched: this.sim.sched, uart: this.sim.serialPort(2), password: 0 });
    this.app = startControlUnit(this.sim.device, BOARD, {
      log: undefined,
      wallS: () => undefined,
      random: (n) => new Uint8Array(n).fill(9),
      readerPort: 2,
      onPcLine: (l) => {
        if (this.onData !== undefined) this.onData(l);
      },
    });
  }
  start(onData: (chunk: string) => void, onState: (up: boolean, why: string) => void): void {
    this.onData = onData;
    onState(true, 'simulated control unit');
  }
  write(text: string): void {
    for (const l of text.split('\n')) if (l !== '') this.sent.push(JSON.parse(l));
    setImmediate(() => {
      this.app.pc.feed(text);
      this.sim.sched.runFor(1000);
    });
  }
  async stop(): Promise<void> {
    this.onData = undefined;
  }
}

async function broker() {
  const b = await startBroker({ port: 0, users: [brokerUser('gw', 'pw-gw', 'gateway')] });
  return { b, url: `mqtt://127.0.0.1:${b.port}` };
}

test('the gateway sets the unit clock at connect and on its timer; a wrong host clock is refused, logged', async (t) => {
  const { b, url } = await broker();
  const src = new UnitSource();
  const logs: string[] = [];
  // the host clock: 2027-01-15 08:00 UTC, then 0.5 s later each tick; then a host whose clock jumped a day
  let hostMs = Date.UTC(2027, 0, 15, 8, 0, 0);
  const gw = new Gateway({
    mqttUrl: url,
    username: 'gw',
    password: 'pw-gw',
    protocolVersion: 4,
    source: src,
    log: (l) => logs.push(l),
    now: () => new Date(hostMs),
    timeEveryMs: 150,
  });
  try {
    t.false(src.app.wall.isSet());
    await gw.start();
    await until('the connect set', () => logs.some((l) => l.startsWith('time (connect)')));
    t.true(logs.includes('time (connect): unit clock set to 2027-01-15T08:00:00.000Z, first set'), logs.join('\n'));
    t.deepEqual(
      src.sent.find((c) => c.cmd === 'time'),
      { v: 1, id: src.sent.find((c) => c.cmd === 'time').id, cmd: 'time', role: 'household', unix: hostMs / 1000 },
    );
    t.true(Math.abs((src.app.wall.wallS() as number) - hostMs / 1000) < 0.01);
    hostMs += 500;
    await until('an hourly set', () => logs.some((l) => l.startsWith('time (hourly)')));
    t.regex(
      logs.find((l) => l.startsWith('time (hourly)'))!,
      /unit clock set to 2027-01-15T08:00:00\.500Z, step [01] s/,
    );
    // the unit says hello (it rebooted behind an open port): the gateway sets the clock again
    src.app.pc.hello(0);
    await until('the hello set', () => logs.some((l) => l.startsWith('time (unit hello): unit clock set to')));
    // a host whose clock jumped: the unit refuses the step, the gateway says so
    hostMs += 86400e3;
    await until('a refused set', () => logs.some((l) => /^time \(hourly\): not set: time: step 8640\d s over the limit of 120 s/.test(l)));
    t.true(Math.abs((src.app.wall.wallS() as number) - (hostMs - 86400e3) / 1000) < 1, 'the unit kept its clock');
    // every set and refusal is in the unit's hash-chained access log
    const recs = src.app.access.log.entries(0, 100).filter((e) => e.text.includes('set-clock'));
    t.true(recs.some((e) => e.kind === 'action' && e.text.includes('first set')));
    t.true(recs.some((e) => e.kind === 'action-refused'));
    t.true(src.app.access.verifyLog());
  } finally {
    await gw.stop();
    await b.close();
    src.app.close();
  }
});

test("against the simulated home as npm start runs it: the connect set is the unit clock's first set, in its access log", async (t) => {
  const { b, url } = await broker();
  const home = new SimHome(liveHomeOptions(4, Date.now()));
  const sent: string[] = [];
  class Watched extends HomeSource {
    override write(text: string): void {
      sent.push(text);
      super.write(text);
    }
  }
  const logs: string[] = [];
  const gw = new Gateway({
    mqttUrl: url,
    username: 'gw',
    password: 'pw-gw',
    protocolVersion: 4,
    source: new Watched(home),
    log: (l) => logs.push(l),
    requestTimeoutMs: 2000,
  });
  try {
    t.false(home.unit.wall.isSet(), 'the unit boots with its clock unset');
    await gw.start();
    await until('the connect set', () => logs.some((l) => l.startsWith('time (connect)')));
    const cmd = JSON.parse(sent.find((s) => s.includes('"time"'))!);
    t.is(cmd.role, 'household');
    t.true(Math.abs(cmd.unix - Date.now() / 1000) < 30, 'the host wall clock');
    t.true(logs.includes(`time (connect): unit clock set to ${new Date(cmd.unix * 1000).toISOString()}, first set`), logs.join('\n'));
    t.false(logs.some((l) => l.includes('no settable clock')));
    t.true(Math.abs((home.unit.wall.wallS() as number) - cmd.unix) < 1);
    const rec = home.access.log.entries(0, 100).filter((e) => e.text.includes('set-clock'));
    t.deepEqual(
      rec.map((e) => [e.kind, e.text]),
      [['action', `household set-clock to ${Math.floor(cmd.unix)} first set via pc-link`]],
    );
    t.true(home.access.verifyLog());
  } finally {
    await gw.stop();
    await b.close();
  }
});
