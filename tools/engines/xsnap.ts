// Driver for the xsnap-worker binary: XS (Moddable's engine) as a host process.
//
// We speak the worker's own protocol instead of using @agoric/xsnap's JS API, which
// needs SES (lockdown) in the host. Protocol (agoric-sdk packages/xsnap, xsnap-worker.c):
//   - spawn `xsnap-worker <name> -l <meteringLimit>`; fd 3 carries requests to the
//     worker, fd 4 carries answers back, both as netstrings `<len>:<bytes>,`;
//   - `e<code>` evaluates a classic script, `q` quits;
//   - the worker answers `.` + JSON meters + `\x01` + reply bytes, or `!` + error text;
//   - a script's `issueCommand(arrayBuffer)` arrives as `?<bytes>` and the host must
//     answer `/<bytes>` before it sends anything else (strictly sequential);
//   - `print()` writes a line to the worker's stdout.
// The `compute` meter counts XS work (bytecodes, calls, allocations) deterministically,
// which is the cost figure we use for the ESP32: count the work, don't time it.

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Readable, Writable } from 'node:stream';

export interface XsMeter {
  /** XS compute meter for the last evaluation (deterministic work count). */
  compute: number;
  /** Bytes the XS heap has allocated from the OS (chunks + slots), cumulative. */
  allocate: number;
  /** Live slot count in the XS heap after the evaluation. */
  currentHeapCount: number;
}

export interface XsStartOptions {
  /** Worker name (shown in errors). Must not start with '-'. */
  name?: string;
  /** Compute limit per evaluation; the worker aborts a script that exceeds it. */
  meteringLimit?: number;
  /** Receives each line the script prints; lines are also kept in `XsWorker.printed`. */
  onPrint?: (line: string) => void;
  /** Path of the xsnap-worker binary (default: the one @agoric/xsnap built). */
  binary?: string;
}

/** Thrown when a script throws inside XS, or the worker dies. */
export class XsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'XsError';
  }
}

export const XSNAP_BINARY = fileURLToPath(new URL('../../node_modules/@agoric/xsnap/xsnap-native/xsnap/build/bin/lin/release/xsnap-worker', import.meta.url));

// 1e12 computrons: far above anything a test does (an Ed25519 verify is ~4.3e7), but
// still a bound, so a runaway loop ends in an error instead of a hung test.
const DEFAULT_METERING_LIMIT = 1e12;
const MAX_PRINTED_LINES = 200;

const OK = 0x2e; // '.'
const ERROR = 0x21; // '!'
const QUERY = 0x3f; // '?'
const METER_SEPARATOR = 0x01;

type CommandHandler = (bytes: Uint8Array) => Uint8Array;

interface Pending {
  resolve: (m: XsMeter) => void;
  reject: (e: Error) => void;
}

export class XsWorker {
  /** Lines printed by scripts (the most recent MAX_PRINTED_LINES). */
  readonly printed: string[] = [];
  private handler: CommandHandler = () => new Uint8Array(0);
  private inbox: Buffer = Buffer.alloc(0);
  private pending: Pending | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private exited: Error | undefined;
  private stderrTail = '';
  /** Set when the command handler threw; reported as the evaluation's error. */
  private pendingError: XsError | undefined;

  private constructor(
    private readonly child: ChildProcess,
    private readonly name: string,
    private readonly toWorker: Writable,
    onPrint: ((line: string) => void) | undefined,
  ) {
    const fromWorker = child.stdio[4] as Readable;
    fromWorker.on('data', (chunk: Buffer) => this.receive(chunk));
    let partial = '';
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (text: string) => {
      const lines = (partial + text).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        this.printed.push(line);
        if (this.printed.length > MAX_PRINTED_LINES) this.printed.shift();
        if (onPrint) onPrint(line);
      }
    });
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (text: string) => {
      this.stderrTail = (this.stderrTail + text).slice(-2000);
    });
    child.on('exit', (code, signal) => {
      const why = signal !== null ? `signal ${signal}` : `code ${code}`;
      const tail = this.stderrTail.trim();
      this.fail(new XsError(`xsnap worker '${name}' exited (${why})${tail !== '' ? `: ${tail}` : ''}`));
    });
    child.on('error', (err) => this.fail(new XsError(`xsnap worker '${name}': ${err.message}`)));
    // A write to a dead worker raises EPIPE on the socket; the exit handler reports it.
    toWorker.on('error', () => undefined);
  }

  static async start(opts: XsStartOptions = {}): Promise<XsWorker> {
    const binary = opts.binary ?? XSNAP_BINARY;
    if (!existsSync(binary)) {
      throw new XsError(
        `xsnap-worker binary not found at ${binary}: run \`npm ci\`; ` + 'npm 11 needs `npm install-scripts approve @agoric/xsnap` so its build script runs',
      );
    }
    const name = opts.name ?? 'xs-harness';
    if (name.startsWith('-')) throw new XsError(`XsWorker name '${name}' must not start with '-'`);
    const limit = opts.meteringLimit ?? DEFAULT_METERING_LIMIT;
    const child = spawn(binary, [name, '-l', String(Math.floor(limit))], {
      // 0 stdin, 1 print(), 2 errors, 3 to worker, 4 from worker, 5 xsbug, 6 profiler,
      // 7/8 snapshot streams (unused here).
      stdio: ['ignore', 'pipe', 'pipe', 'pipe', 'pipe', 'ignore', 'ignore', 'ignore', 'ignore'],
    });
    const worker = new XsWorker(child, name, child.stdio[3] as Writable, opts.onPrint);
    // Prove the worker is alive before handing it out (spawn errors arrive async).
    await worker.evaluate('void 0');
    return worker;
  }

  /** Answers each `issueCommand(bytes)` from the script, synchronously. */
  onCommand(handler: (bytes: Uint8Array) => Uint8Array): void {
    this.handler = handler;
  }

  /** Evaluates a classic script; resolves with the meters, rejects with XsError if it throws. */
  evaluate(code: string): Promise<XsMeter> {
    const run = this.queue.then(
      () =>
        new Promise<XsMeter>((resolve, reject) => {
          if (this.exited) return reject(this.exited);
          this.pending = { resolve, reject };
          this.send(Buffer.from(`e${code}`, 'utf8'));
        }),
    );
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Asks the worker to quit and waits for it; kills it if it does not go in 2 s. */
  async close(): Promise<void> {
    if (this.exited) return;
    await this.queue;
    if (this.exited) return;
    const gone = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.send(Buffer.from('q'));
    this.toWorker.end();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 2000);
    await gone;
    clearTimeout(timer);
  }

  private send(payload: Buffer): void {
    this.toWorker.write(Buffer.concat([Buffer.from(`${payload.length}:`), payload, Buffer.from(',')]));
  }

  private fail(err: Error): void {
    if (!this.exited) this.exited = err;
    const p = this.pending;
    this.pending = undefined;
    if (p) p.reject(err);
  }

  /** Splits the fd-4 byte stream into netstrings and dispatches each message. */
  private receive(chunk: Buffer): void {
    this.inbox = this.inbox.length === 0 ? chunk : Buffer.concat([this.inbox, chunk]);
    for (;;) {
      const colon = this.inbox.indexOf(0x3a);
      if (colon < 0) return;
      const len = Number(this.inbox.subarray(0, colon).toString('latin1'));
      if (!Number.isInteger(len) || len < 0) {
        this.protocolError(`bad netstring length '${this.inbox.subarray(0, colon).toString('latin1')}'`);
        return;
      }
      const end = colon + 1 + len;
      if (this.inbox.length < end + 1) return;
      if (this.inbox[end] !== 0x2c) {
        this.protocolError('netstring without trailing comma');
        return;
      }
      const message = this.inbox.subarray(colon + 1, end);
      this.inbox = this.inbox.subarray(end + 1);
      this.dispatch(message);
    }
  }

  private dispatch(message: Buffer): void {
    const kind = message[0];
    if (kind === QUERY) {
      let reply: Uint8Array;
      try {
        reply = this.handler(new Uint8Array(message.subarray(1)));
      } catch (e) {
        // The worker is blocked waiting for our answer; answer empty and fail the eval.
        reply = new Uint8Array(0);
        this.pendingError = new XsError(`command handler threw: ${(e as Error).message}`);
      }
      this.send(Buffer.concat([Buffer.from('/'), Buffer.from(reply)]));
      return;
    }
    const p = this.pending;
    this.pending = undefined;
    if (!p) return this.protocolError(`unexpected message '${message.toString('latin1', 0, 40)}'`);
    if (kind === OK) {
      const sep = message.indexOf(METER_SEPARATOR, 1);
      const meterText = message.subarray(1, sep < 0 ? message.length : sep).toString('utf8');
      const m = JSON.parse(meterText === '' ? '{}' : meterText) as Partial<XsMeter>;
      const handlerError = this.pendingError;
      this.pendingError = undefined;
      if (handlerError) return p.reject(handlerError);
      p.resolve({ compute: m.compute ?? 0, allocate: m.allocate ?? 0, currentHeapCount: m.currentHeapCount ?? 0 });
    } else if (kind === ERROR) {
      this.pendingError = undefined;
      p.reject(new XsError(`XS script threw in '${this.name}': ${message.subarray(1).toString('utf8')}`));
    } else {
      p.reject(new XsError(`xsnap protocol error: unknown answer '${message.toString('latin1', 0, 40)}'`));
    }
  }

  private protocolError(what: string): void {
    this.fail(new XsError(`xsnap protocol error in '${this.name}': ${what}`));
    this.child.kill('SIGKILL');
  }
}
