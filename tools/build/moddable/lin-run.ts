// Runs a `lin` build of the app (tools/build/moddable/lin.ts) in the SDK's simulator host,
// headless: xvfb-run + $MODDABLE/tools/xsbug-log (prints the app's trace and exceptions) +
// mcsim loading mc.so (README-SHARED.md). The console Serial is lin serial.c on a
// pseudo-terminal (pty-bridge.py). The script:
//   wait for "meter node up" and the main relay's close (the digital stand-in's trace);
//   after settleMs send Help, Status and Readings, one at a time; wait for "trip 1 " (the
//   stand-in load steps faultAfterCloseMs after the close); send Status again.
// This is the real XS runtime, timer and Serial on wall time: the timings are generous.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** a TCP port nothing listens on now (the OS picks it) */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const a = srv.address();
      const port = typeof a === 'object' && a !== null ? a.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

const BRIDGE = join(dirname(fileURLToPath(import.meta.url)), 'pty-bridge.py');

export interface LinRun {
  /** the app's trace lines (xsbug-log output, prompts stripped) */
  trace: string[];
  /** console replies by command, each the raw text received until the next command */
  replies: Record<string, string>;
  /** whether each stage was reached */
  booted: boolean;
  closed: boolean;
  tripped: boolean;
}

/** Find mc.so under a lin build's output folder. */
export function findMcSo(dir: string): string {
  if (!existsSync(dir)) return '';
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isFile() && e.name === 'mc.so') return p;
    if (e.isDirectory()) {
      const hit = findMcSo(p);
      if (hit !== '') return hit;
    }
  }
  return '';
}

function clean(line: string): string {
  // eslint-disable-next-line no-control-regex
  return line
    .replace(/\x1b\[[0-9;]*[A-Za-z]/g, '')
    .replace(/^(\(xsdb\) )+/, '')
    .replace(/^\[Thread \d+\] /, '')
    .trim();
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function stop(p: ChildProcess | undefined): void {
  if (p === undefined || p.pid === undefined || p.exitCode !== null) return;
  try {
    process.kill(-p.pid, 'SIGTERM'); // the group this run started (xvfb-run, Xvfb, node, mcsim)
  } catch {
    /* already gone */
  }
}

export async function runLinApp(o: { moddable: string; mcSo: string; tty: string; relayPin: number; settleMs: number; timeoutMs: number }): Promise<LinRun> {
  const run: LinRun = { trace: [], replies: {}, booted: false, closed: false, tripped: false };
  const closeLine = `lin digital: pin ${o.relayPin} -> 1`;
  let consoleText = '';
  const bridge = spawn('python3', [BRIDGE, o.tty], { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
  let app: ChildProcess | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      let first = true;
      bridge.stdout!.on('data', (d: Buffer) => {
        const s = d.toString('latin1');
        if (first && s.startsWith('pty ')) {
          first = false;
          consoleText += s.slice(s.indexOf('\n') + 1);
          resolve();
        } else consoleText += s;
      });
      bridge.on('error', reject);
      bridge.on('exit', (code) => reject(new Error(`pty-bridge.py exited ${code}`)));
    });
    // xsbug-log listens on 5002 and the app connects there unless told otherwise
    // (XSBUG_LOG_PORT in xsbug-log.js, XSBUG_PORT in xs/platforms/lin_xs.c): a free port, so
    // two runs on one machine (two checkouts, two CI jobs) do not meet
    const xsbugPort = String(await freePort());
    app = spawn('xvfb-run', ['-a', 'node', join(o.moddable, 'tools/xsbug-log/xsbug-log.js'), join(o.moddable, 'build/bin/lin/release/mcsim'), o.mcSo], {
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
      env: { ...process.env, MODDABLE: o.moddable, XSBUG_LOG_PORT: xsbugPort, XSBUG_PORT: xsbugPort },
    });
    let partial = '';
    const onData = (d: Buffer): void => {
      partial += d.toString('utf8');
      const lines = partial.split('\n');
      partial = lines.pop() ?? '';
      for (const l of lines) {
        const c = clean(l);
        if (c === '') continue;
        run.trace.push(c);
        if (c.startsWith('meter node up')) run.booted = true;
        if (c === closeLine) run.closed = true;
        if (c.startsWith('trip 1 ')) run.tripped = true;
      }
    };
    app.stdout!.on('data', onData);
    app.stderr!.on('data', onData);
    const t0 = Date.now();
    const until = async (cond: () => boolean): Promise<boolean> => {
      while (!cond()) {
        if (Date.now() - t0 > o.timeoutMs || app!.exitCode !== null) return false;
        await sleep(50);
      }
      return true;
    };
    const ask = async (cmd: string, key: string): Promise<void> => {
      const from = consoleText.length;
      bridge.stdin!.write(cmd + '\r\n');
      await sleep(1500);
      run.replies[key] = consoleText.slice(from);
    };
    if (!(await until(() => run.booted))) return run;
    // the console is asked once the breaker has closed, or after 20 s without a close
    const closeBy = Date.now() + 20_000;
    await until(() => run.closed || Date.now() > closeBy);
    await sleep(o.settleMs);
    await ask('Help', 'Help');
    await ask('Status', 'Status');
    await ask('Readings', 'Readings');
    if (!(await until(() => run.tripped))) return run;
    await sleep(500);
    await ask('Status', 'StatusAfterTrip');
    return run;
  } finally {
    stop(app);
    bridge.stdin!.end();
    stop(bridge);
  }
}
