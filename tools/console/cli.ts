// Technician console client (the CLI entry is tools/console.ts).
//   npx tsx tools/console.ts --port /dev/ttyUSB0            interactive (history, pretty JSON)
//   npx tsx tools/console.ts --port tcp://127.0.0.1:7000 --exec "Status; Trips" --json
//   npx tsx tools/console.ts --port sim                      in-process simulated node
// Exit codes: 0 ok, 1 a reply was an error, 2 usage or port problem, 3 no reply in time.
import { parseArgs } from 'node:util';
import { createInterface } from 'node:readline';
import { readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { openPort, PortError } from './attach';
import { ConsoleSession, formatReply, isError, NoReply } from './session';

export interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
  input?: NodeJS.ReadableStream;
  tty: boolean;
  /** colour errors (a terminal, and NO_COLOR unset: https://no-color.org); default: tty */
  color?: boolean;
}

const USAGE = `usage: console --port <dev|tcp://HOST:PORT|sim> [--baud 115200] [--exec "Cmd; Cmd"] [--json]
               [--timeout ms] [--history file]
  --port     serial device (e.g. /dev/ttyUSB0), a TCP bridge, or 'sim' (in-process node)
  --exec     run the commands, print the replies and exit (1 if any reply is an error)
  --json     one compact JSON reply per line, as the node sent it (for scripts); default:
             Help and Settings as aligned tables, other replies indented
  --history  interactive history file (default ~/.smartmeter-console-history)`;

export const HISTORY_MAX = 500;

export function loadHistory(file: string): string[] {
  try {
    return readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l.length > 0)
      .slice(-HISTORY_MAX)
      .reverse();
  } catch {
    return [];
  }
}

export function saveHistory(file: string, newestFirst: string[]): void {
  try {
    writeFileSync(file, newestFirst.slice(0, HISTORY_MAX).reverse().join('\n') + '\n');
  } catch {
    // history is a convenience; never fail the session over it
  }
}

export async function main(argv: string[], io: Io): Promise<number> {
  let args;
  try {
    args = parseArgs({
      args: argv,
      options: {
        port: { type: 'string' },
        baud: { type: 'string', default: '115200' },
        exec: { type: 'string' },
        json: { type: 'boolean', default: false },
        timeout: { type: 'string', default: '3000' },
        history: { type: 'string', default: join(homedir(), '.smartmeter-console-history') },
        help: { type: 'boolean', default: false },
      },
    }).values;
  } catch (e) {
    io.err(`${(e as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (args.help) {
    io.out(USAGE + '\n');
    return 0;
  }
  const port = args.port ?? process.env.SMARTMETER_PORT;
  if (port === undefined) {
    io.err(`--port is required\n${USAGE}\n`);
    return 2;
  }
  const baud = Number(args.baud);
  const timeout = Number(args.timeout);
  if (![9600, 19200, 38400, 57600, 115200, 230400, 460800, 921600].includes(baud)) {
    io.err(`--baud must be one of 9600..921600 (standard rates), got ${args.baud}\n`);
    return 2;
  }
  if (!Number.isInteger(timeout) || timeout < 100 || timeout > 60000) {
    io.err(`--timeout must be 100..60000 ms, got ${args.timeout}\n`);
    return 2;
  }
  let p;
  try {
    p = await openPort(port, { baud });
  } catch (e) {
    io.err(`${e instanceof PortError ? e.message : String(e)}\n`);
    return 2;
  }
  const session = new ConsoleSession(p);
  const show = (r: unknown) => io.out(formatReply(r, args.json, (io.color ?? io.tty) && !args.json) + '\n');
  session.onOther = (line) => io.err(`${line}\n`);
  session.onUnsolicited = show;
  try {
    if (args.exec !== undefined) return await execOnce(session, args.exec, timeout, show, io);
    return await interactive(session, p.label, args.history, timeout, show, io);
  } finally {
    await p.close();
  }
}

async function execOnce(s: ConsoleSession, line: string, timeout: number, show: (r: unknown) => void, io: Io): Promise<number> {
  try {
    const replies = await s.request(line, timeout);
    replies.forEach(show);
    return replies.some(isError) ? 1 : 0;
  } catch (e) {
    io.err(`${(e as Error).message}\n`);
    return e instanceof NoReply ? 3 : 2;
  }
}

function interactive(s: ConsoleSession, label: string, historyFile: string, timeout: number, show: (r: unknown) => void, io: Io): Promise<number> {
  return new Promise((resolve) => {
    const rl = createInterface({
      input: io.input ?? process.stdin,
      output: process.stdout,
      terminal: io.tty,
      history: loadHistory(historyFile),
      historySize: HISTORY_MAX,
      prompt: '> ',
    });
    rl.on('history', (h: string[]) => saveHistory(historyFile, h));
    io.err(`connected to ${label}; Help lists commands, Ctrl-D quits\n`);
    let chain = Promise.resolve();
    rl.on('line', (line) => {
      chain = chain.then(async () => {
        try {
          (await s.request(line.trim(), timeout)).forEach(show);
        } catch (e) {
          io.err(`${(e as Error).message}\n`);
        }
        if (io.tty) rl.prompt();
      });
    });
    rl.on('close', () => void chain.then(() => resolve(0)));
    if (io.tty) rl.prompt();
  });
}
