// Flash a built app onto a board: `npm run flash -- --board <name> --port <dev> [--dry-run]`.
// One plan per target, from the board file (boards/<name>.json, target + flash section):
//   moddable  mcconfig -m -p <platform> <build>/moddable/<board>/manifest.json
//             (a release build: the console on UART0; --debug adds -d, which gives UART0
//             to xsbug and leaves the node without its console, docs/BUILD-MODDABLE.md)
//             (--native: <build>/moddable-native/<board>/, the build with the C modules)
//             (UPLOAD_PORT / UPLOAD_SPEED pick port and baud; mcconfig runs esptool via ESP-IDF)
//   espruino  espruino --port <dev> --baud <b> --storage .bootcde:- <build>/espruino/<board>/app.js
//   lua       [--firmware dir] esptool write_flash (bootloader 0x1000, partition table
//             0x8000, app 0x10000: the ESP32 default layout), then nodemcu-tool upload
// It checks that the tool and the port exist before it starts, shows a progress bar from
// the tool's "(NN %)" lines, and names the problem when the tool fails (busy port, ...).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { findOnPath, isEntry } from './cli';
import { loadBoard, type Board } from '../boards/schema';
import { describeSerialDevices } from './console/attach';
import { NATIVE_FOLDER } from './build';

export interface Step {
  title: string;
  tool: string; // command name looked up on PATH (or the --tool override)
  args: string[];
  env: Record<string, string>;
  /** files the step reads, with how to make them; a missing one stops the flash before it starts */
  inputs: { file: string; hint: string }[];
}

export interface FlashOptions {
  board: string;
  port: string;
  buildDir: string;
  firmware?: string;
  tool?: string;
  baud?: number;
  /** moddable only: flash the --native build (its own folder), not the polled one */
  native?: boolean;
  /** moddable only: a debug build (mcconfig -d) for xsbug; it has no console on UART0 */
  debug?: boolean;
}

export class FlashError extends Error {}

export function planFlash(o: FlashOptions): { board: Board; steps: Step[] } {
  let board: Board;
  try {
    board = loadBoard(o.board);
  } catch (e) {
    throw new FlashError((e as Error).message);
  }
  const baud = o.baud ?? board.flash?.baud ?? 460800;
  const chip = board.flash?.chip ?? board.mcu;
  const out = (t: string, f: string) => resolve(o.buildDir, t, board.name, f);
  const how = `run: npm run build -- --target ${board.target} --board ${board.name}${o.native === true ? ' --native' : ''}`;
  if (o.native === true && board.target !== 'moddable')
    throw new FlashError(`--native: only a moddable board has a native build; ${board.name} is ${board.target}`);
  if (o.debug === true && board.target !== 'moddable')
    throw new FlashError(`--debug: only a moddable build has an xsbug debug build; ${board.name} is ${board.target}`);
  if (board.target === 'moddable') {
    const manifest = out(o.native === true ? NATIVE_FOLDER : 'moddable', 'manifest.json');
    const platform = board.flash?.platform ?? 'esp32';
    return {
      board,
      steps: [
        {
          title: `build and deploy with mcconfig (${platform}${o.debug === true ? ', debug: xsbug on UART0, no console' : ''})`,
          tool: 'mcconfig',
          args: [...(o.debug === true ? ['-d'] : []), '-m', '-p', platform, manifest],
          env: { UPLOAD_PORT: o.port, UPLOAD_SPEED: String(baud) },
          inputs: [{ file: manifest, hint: how }],
        },
      ],
    };
  }
  if (board.target === 'espruino') {
    const app = out('espruino', 'app.js');
    // the 90 kB bundle does not fit Espruino's RAM (~30 kB): write it to flash Storage as
    // .bootcde, which Espruino runs from flash at boot (the CLI chunks the writes)
    return {
      board,
      steps: [
        {
          title: 'write the app to Espruino Storage (.bootcde) with the espruino CLI',
          tool: 'espruino',
          args: ['--port', o.port, '--baud', String(board.console?.baud ?? 115200), '--storage', '.bootcde:-', app],
          env: {},
          inputs: [{ file: app, hint: how }],
        },
      ],
    };
  }
  const steps: Step[] = [];
  if (o.firmware !== undefined) {
    const f = (n: string) => join(o.firmware as string, n);
    steps.push({
      title: 'write NodeMCU firmware with esptool',
      tool: 'esptool.py',
      args: [
        '--chip',
        chip,
        '--port',
        o.port,
        '--baud',
        String(baud),
        'write_flash',
        '-z',
        '0x1000',
        f('bootloader.bin'),
        '0x8000',
        f('partitions.bin'),
        '0x10000',
        f('nodemcu.bin'),
      ],
      env: {},
      inputs: ['bootloader.bin', 'partitions.bin', 'nodemcu.bin'].map((n) => ({
        file: f(n),
        hint: 'pass --firmware <dir with bootloader.bin, partitions.bin, nodemcu.bin> (a NodeMCU ESP32 build)',
      })),
    });
  }
  // init.lua (boot guard, relays open) loads app.lua (the bundled core and node)
  const lua = [out('lua', 'init.lua'), out('lua', 'app.lua')];
  steps.push({
    title: 'upload the Lua app with nodemcu-tool',
    tool: 'nodemcu-tool',
    args: ['--port', o.port, '--baud', String(board.console?.baud ?? 115200), 'upload', ...lua],
    env: {},
    inputs: lua.map((file) => ({ file, hint: how })),
  });
  return { board, steps };
}

/** First executable `name` on PATH (esptool.py is also tried as `esptool`). */
export function findTool(name: string, path = process.env.PATH ?? ''): string | undefined {
  return findOnPath(name === 'esptool.py' ? ['esptool.py', 'esptool'] : [name], path);
}

const INSTALL: Record<string, string> = {
  mcconfig: 'install the Moddable SDK and its ESP32 tools (Moddable "Getting Started" guide) and source its environment',
  espruino: 'install the Espruino command-line tool: npm install -g espruino',
  'esptool.py': 'install esptool: pip install esptool',
  'nodemcu-tool': 'install NodeMCU-Tool: npm install -g nodemcu-tool',
};

export function toolMissing(tool: string): string {
  return `${tool} not found on PATH: ${INSTALL[tool] ?? 'install it'}, or pass --tool /path/to/${tool}`;
}

export async function portMissing(port: string): Promise<string> {
  return `port ${port} not found: is the board plugged in (data cable, not charge-only)? ${await describeSerialDevices()}`;
}

/** Explain a tool failure from its output. */
export function diagnose(tool: string, code: number, output: string, port: string): string {
  if (/resource busy|could not exclusively lock|device or resource busy|port is busy|access is denied/i.test(output)) {
    return `port ${port} is busy: close the console, screen or monitor that holds it, then retry`;
  }
  if (/failed to connect|timed out waiting for packet header|no serial data received/i.test(output)) {
    return `${tool} could not talk to the chip on ${port}: hold BOOT while it connects, or check the cable`;
  }
  const tail = output.trim().split('\n').slice(-3).join(' | ');
  return `${tool} failed with exit code ${code}${tail ? `: ${tail}` : ''}`;
}

export function progressBar(percent: number, width = 30): string {
  const p = Math.max(0, Math.min(100, Math.round(percent)));
  const full = Math.round((p / 100) * width);
  return `[${'#'.repeat(full)}${'.'.repeat(width - full)}] ${String(p).padStart(3)}%`;
}

/** The last "(NN %)" or "NN%" in a chunk of tool output, as esptool prints it. */
export function parsePercent(text: string): number | undefined {
  const all = [...text.matchAll(/\(?\b(\d{1,3}) ?%\)?/g)];
  if (all.length === 0) return undefined;
  const v = Number(all[all.length - 1][1]);
  return v <= 100 ? v : undefined;
}

export interface FlashIo {
  out: (s: string) => void;
  err: (s: string) => void;
  tty: boolean;
}

export function runStep(step: Step, exe: string, port: string, io: FlashIo, index: number, count: number): Promise<void> {
  return new Promise((resolveStep, reject) => {
    const child = spawn(exe, step.args, { env: { ...process.env, ...step.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let lastShown = -1;
    const show = (p: number) => {
      if (io.tty) io.out(`\r${progressBar(p)} ${step.title}`);
      else if (Math.floor(p / 10) > Math.floor(lastShown / 10) || p === 100) io.out(`${progressBar(p)} ${step.title}\n`);
      lastShown = p;
    };
    const onData = (d: Buffer) => {
      const s = d.toString();
      output = (output + s).slice(-20000);
      for (const piece of s.split(/[\r\n]+/)) {
        const p = parsePercent(piece);
        if (p !== undefined && p !== lastShown) show(p);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    io.out(`step ${index}/${count}: ${step.title}\n`);
    child.on('error', (e) => reject(new FlashError(`${step.tool}: ${e.message}`)));
    child.on('close', (code) => {
      if (io.tty && lastShown >= 0) io.out('\n');
      if (code === 0) {
        if (lastShown !== 100) show(100);
        resolveStep();
      } else reject(new FlashError(diagnose(step.tool, code ?? -1, output, port)));
    });
  });
}

const USAGE = 'usage: flash --board <name> --port <dev> [--dry-run] [--tool <path>] [--firmware <dir>] [--baud <n>] [--build-dir build] [--native] [--debug]';

export async function main(argv: string[], io: FlashIo): Promise<number> {
  let v;
  try {
    v = parseArgs({
      args: argv,
      options: {
        board: { type: 'string' },
        port: { type: 'string' },
        'dry-run': { type: 'boolean', default: false },
        tool: { type: 'string' },
        firmware: { type: 'string' },
        baud: { type: 'string' },
        'build-dir': { type: 'string', default: 'build' },
        native: { type: 'boolean', default: false },
        debug: { type: 'boolean', default: false },
      },
    }).values;
  } catch (e) {
    io.err(`${(e as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (v.board === undefined || v.port === undefined) {
    io.err(`--board and --port are required\n${USAGE}\n`);
    return 2;
  }
  const baud = v.baud === undefined ? undefined : Number(v.baud);
  if (baud !== undefined && ![115200, 230400, 460800, 921600].includes(baud)) {
    io.err(`--baud must be one of 115200, 230400, 460800, 921600, got ${v.baud}\n`);
    return 2;
  }
  let plan;
  try {
    plan = planFlash({ board: v.board, port: v.port, buildDir: v['build-dir'], firmware: v.firmware, tool: v.tool, baud, native: v.native, debug: v.debug });
  } catch (e) {
    io.err(`${(e as Error).message}\n`);
    return 2;
  }
  const problems: string[] = [];
  // --tool overrides the last step's tool (the one that writes the app)
  const exes = plan.steps.map((s, i) => {
    const override = i === plan.steps.length - 1 ? v.tool : undefined;
    const exe = override !== undefined ? (existsSync(override) ? override : undefined) : findTool(s.tool);
    if (exe === undefined) problems.push(override !== undefined ? `--tool ${override} not found` : toolMissing(s.tool));
    for (const input of s.inputs) if (!existsSync(input.file)) problems.push(`${input.file} not found: ${input.hint}`);
    return exe ?? s.tool;
  });
  if (!existsSync(v.port) && !v.port.startsWith('tcp:')) problems.push(await portMissing(v.port));
  if (v['dry-run']) {
    io.out(`flash ${plan.board.name} (${plan.board.target}) on ${v.port}: would run\n`);
    plan.steps.forEach((s, i) => {
      const env = Object.entries(s.env)
        .map(([k, val]) => `${k}=${val} `)
        .join('');
      io.out(`  ${i + 1}. ${env}${exes[i]} ${s.args.map(quoteArg).join(' ')}\n`);
    });
    if (v.debug) io.out('  note: debug: xsbug on UART0, no console; leave out --debug for a board in the field\n');
    for (const p of problems) io.out(`  warning: ${p}\n`);
    return 0;
  }
  if (problems.length > 0) {
    for (const p of problems) io.err(`${p}\n`);
    return 2;
  }
  try {
    for (let i = 0; i < plan.steps.length; i++) await runStep(plan.steps[i], exes[i], v.port, io, i + 1, plan.steps.length);
  } catch (e) {
    io.err(`${(e as Error).message}\n`);
    return 1;
  }
  io.out(`flashed ${plan.board.name} on ${v.port}\n`);
  return 0;
}

function quoteArg(a: string): string {
  return /^[\w./:=@+-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`;
}

if (isEntry(import.meta.url)) {
  const code = await main(process.argv.slice(2), {
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
    tty: process.stdout.isTTY === true,
  });
  process.exit(code);
}
