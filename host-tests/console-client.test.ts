import test from 'ava';
import { spawn, spawnSync } from 'node:child_process';
import { connect } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main, loadHistory, saveHistory, type Io } from '../tools/console/cli';
import { createSimNode } from '../tools/console/sim-node';
import { BUSY_LINE, startTcpBridge } from '../tools/console/tcp-bridge';
import { openPort, PortError } from '../tools/console/attach';
import { ConsoleSession, LineSplitter, expectedReplies, formatReply } from '../tools/console/session';
import type { ByteDuplex, Port } from '../tools/console/duplex';
import { commandMissing, testIf } from './support/needs';

function capture(tty = false): Io & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, tty, out: (s) => stdout.push(s), err: (s) => stderr.push(s) };
}

async function withBridge(fn: (port: number, node: ReturnType<typeof createSimNode>) => Promise<void>) {
  const node = createSimNode();
  const bridge = await startTcpBridge(node.duplex);
  try {
    await fn(bridge.port, node);
  } finally {
    bridge.close();
    await bridge.closed;
  }
}

test('--exec over a TCP bridge: --json prints one reply per line; exit 0', async (t) => {
  await withBridge(async (port) => {
    const io = capture();
    const code = await main(['--port', `tcp://127.0.0.1:${port}`, '--exec', 'Status; Trips', '--json'], io);
    t.is(code, 0);
    const lines = io.stdout.join('').trimEnd().split('\n');
    t.deepEqual(
      lines.map((l) => JSON.parse(l)),
      [{ Status: { Node: 'fake-1', UptimeS: 0, Lockout: false, Trips: 0 } }, { Trips: [] }],
    );
  });
});

test('--exec: an error reply makes exit code 1; pretty output is indented, red only on a terminal', async (t) => {
  await withBridge(async (port, node) => {
    const io = capture();
    t.is(await main(['--port', `tcp://127.0.0.1:${port}`, '--exec', 'Relay2 off;Relay9'], io), 1);
    t.true(io.stdout[0].startsWith('{\n  "Relay2": "OFF"\n}'));
    t.false(io.stdout.join('').includes('\x1b['));
    t.deepEqual(node.target.relayStates, [true, false]);
    const tty = capture(true);
    t.is(await main(['--port', `tcp://127.0.0.1:${port}`, '--exec', 'Relay9'], tty), 1);
    t.true(tty.stdout[0].startsWith('\x1b[31m{'));
  });
});

test('formatReply and expectedReplies', (t) => {
  t.is(formatReply({ A: 1 }, true, true), '{"A":1}');
  t.is(formatReply({ A: 1 }, false, false), '{\n  "A": 1\n}');
  t.is(expectedReplies('Status; Trips;;'), 2);
  t.is(expectedReplies('Backlog'), 0);
  t.is(expectedReplies(Array(17).fill('Status').join(';')), 1);
  t.is(expectedReplies('x'.repeat(300)), 1);
});

test('LineSplitter joins partial chunks; non-JSON lines go to onOther and are not counted', async (t) => {
  const s = new LineSplitter();
  t.deepEqual(s.push(Buffer.from('{"A"')), []);
  t.deepEqual(s.push(Buffer.from(':1}\r\n\r\nboot\n{"B')), ['{"A":1}', 'boot']);
  let feed: (b: Uint8Array) => void = () => {};
  const port: Port = { label: 'fake', write: () => {}, onData: (cb) => (feed = cb), onClose: () => {}, close: async () => {} };
  const session = new ConsoleSession(port);
  const other: string[] = [];
  session.onOther = (l) => other.push(l);
  const p = session.request('Status', 1000);
  feed(Buffer.from('ets Jun  8 2016 rst:0x1\r\n{"Sta'));
  feed(Buffer.from('tus":{}}\r\n'));
  t.deepEqual(await p, [{ Status: {} }]);
  t.deepEqual(other, ['ets Jun  8 2016 rst:0x1']);
});

test('missing serial port: clear message, exit 2', async (t) => {
  const io = capture();
  t.is(await main(['--port', '/dev/ttyUSB97', '--exec', 'Status'], io), 2);
  t.regex(
    io.stderr.join(''),
    /^serial port \/dev\/ttyUSB97 not found: is the board plugged in and powered\? \((no serial ports present|ports present: .+)\)\n$/,
  );
});

// python3's pty module gives a real tty device without extra packages
testIf(commandMissing('python3', ['-c', 'import pty, os; os.ttyname(pty.openpty()[1])'], 'apt-get install python3'))(
  'busy serial port (a pty held by another opener): clear message',
  async (t) => {
    const py = spawn('python3', ['-c', 'import pty,os,sys; m,s=pty.openpty(); print(os.ttyname(s), flush=True); sys.stdin.read()'], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const path = await new Promise<string>((resolve, reject) => {
      py.on('error', reject);
      py.stdout.once('data', (d: Buffer) => resolve(d.toString().trim()));
    });
    t.regex(path, /^\/dev\/pts\/\d+$/, 'python3 opened a pty');
    try {
      const first = await openPort(path, { baud: 115200 });
      const err = await t.throwsAsync(openPort(path, { baud: 115200 }), { instanceOf: PortError });
      t.is(err?.message, `serial port ${path} is busy: another program (screen, minicom, a monitor or flash tool) holds it; close that first`);
      await first.close();
    } finally {
      py.stdin.end();
      py.kill();
    }
  },
);

test('nothing listening on the TCP port; malformed tcp spec; bad baud; no port', async (t) => {
  const node = createSimNode();
  const b = await startTcpBridge(node.duplex);
  const port = b.port;
  b.close();
  await b.closed;
  let io = capture();
  t.is(await main(['--port', `tcp://127.0.0.1:${port}`, '--exec', 'Status'], io), 2);
  t.is(io.stderr.join(''), `cannot connect to tcp://127.0.0.1:${port}: nothing is listening there (start the simulator or tcp bridge first)\n`);
  io = capture();
  t.is(await main(['--port', 'tcp://127.0.0.1:99999', '--exec', 'Status'], io), 2);
  t.is(io.stderr.join(''), '--port tcp://127.0.0.1:99999: expected tcp://HOST:PORT with PORT 1..65535\n');
  io = capture();
  t.is(await main(['--port', 'sim', '--baud', '1234'], io), 2);
  t.regex(io.stderr.join(''), /--baud must be one of/);
  io = capture();
  const saved = process.env.SMARTMETER_PORT;
  delete process.env.SMARTMETER_PORT;
  t.is(await main(['--exec', 'Status'], io), 2);
  process.env.SMARTMETER_PORT = saved;
  t.regex(io.stderr.join(''), /^--port is required/);
  io = capture();
  t.is(await main(['--bogus'], io), 2);
});

test('a node that never answers: exit 3 with a hint', async (t) => {
  const silent: ByteDuplex = { write: () => {}, onData: () => {} };
  const b = await startTcpBridge(silent);
  const io = capture();
  t.is(await main(['--port', `tcp://127.0.0.1:${b.port}`, '--exec', 'Status', '--timeout', '150'], io), 3);
  t.is(io.stderr.join(''), `no reply from tcp://127.0.0.1:${b.port} within 150 ms (got 0 of 1); wrong port or baud rate?\n`);
  b.close();
  await b.closed;
});

test('bridge: loopback only, one client at a time, closes when its client leaves (once)', async (t) => {
  const node = createSimNode();
  const b = await startTcpBridge(node.duplex, { once: true });
  const a = connect({ host: '127.0.0.1', port: b.port });
  await new Promise((r) => a.once('connect', r));
  t.is(a.remoteAddress, '127.0.0.1');
  const second = connect({ host: '127.0.0.1', port: b.port });
  const got = await new Promise<string>((r) => {
    let s = '';
    second.on('data', (d) => (s += d));
    second.on('close', () => r(s));
  });
  t.is(got, BUSY_LINE);
  a.end();
  t.is(await b.closed, 'client left');
});

test('bridge: closes itself when idle', async (t) => {
  const b = await startTcpBridge(createSimNode().duplex, { idleMs: 30 });
  t.is(await b.closed, 'idle');
});

test('bridge: a client that stops reading is dropped, and the node keeps going', async (t) => {
  let emit: (b: Uint8Array) => void = () => {};
  const chatty: ByteDuplex = { write: () => {}, onData: (cb) => (emit = cb) };
  const b = await startTcpBridge(chatty, { maxBufferedBytes: 4096 });
  const c = connect({ host: '127.0.0.1', port: b.port });
  await new Promise((r) => c.once('connect', r));
  c.pause();
  await new Promise((r) => setImmediate(r));
  const closed = new Promise((r) => c.once('close', r));
  const chunk = new Uint8Array(64 * 1024);
  for (let i = 0; i < 256; i++) emit(chunk); // 16 MiB, far past the socket buffers
  c.resume();
  await closed;
  t.pass();
  b.close();
  await b.closed;
});

test('history round trip keeps the newest 500', (t) => {
  const f = join(mkdtempSync(join(tmpdir(), 'hist-')), 'h');
  t.deepEqual(loadHistory(f), []);
  const h = Array.from({ length: 600 }, (_, i) => `cmd${599 - i}`); // newest first, as readline keeps it
  saveHistory(f, h);
  const back = loadHistory(f);
  t.is(back.length, 500);
  t.is(back[0], 'cmd599');
  t.is(back[499], 'cmd100');
});

test('the CLI runs as a program (--port sim)', (t) => {
  const r = spawnSync(process.execPath, ['--import=tsx', 'tools/console.ts', '--port', 'sim', '--exec', 'Relay1; Login 1', '--json'], { encoding: 'utf8' });
  t.is(r.status, 1);
  t.deepEqual(
    r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l)),
    [{ Relay1: 'ON' }, { Command: 'Login', Error: 'not a PIN', Allowed: '4..8 digits' }],
  );
});
