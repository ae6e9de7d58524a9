// Host side of the console protocol: send a line, collect its replies. The node answers
// every command with exactly one JSON line, so the number of replies to wait for is known
// from the line itself (same splitter as the firmware). Lines that are not JSON (boot log,
// panics) are passed to onOther and never counted.
import { MAX_LINE } from '../../firmware/console/console';
import { splitLine } from '../../firmware/console/parser';
import type { Port } from './duplex';
import { renderForPeople } from './render';

export class NoReply extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NoReply';
  }
}

/** how many reply lines the node sends for `line` */
export function expectedReplies(line: string): number {
  if (line.length > MAX_LINE) return 1;
  const s = splitLine(line);
  return s.tooMany ? 1 : s.commands.length;
}

export class LineSplitter {
  private buf = '';
  push(bytes: Uint8Array): string[] {
    this.buf += Buffer.from(bytes).toString('latin1');
    const parts = this.buf.split(/\r?\n/);
    this.buf = parts.pop() ?? '';
    if (this.buf.length > 65536) this.buf = ''; // garbage without line ends (wrong baud): drop
    return parts.filter((l) => l.length > 0);
  }
}

interface Waiter {
  need: number;
  got: unknown[];
  resolve: (r: unknown[]) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

export class ConsoleSession {
  private readonly splitter = new LineSplitter();
  private readonly waiters: Waiter[] = [];
  onOther: (line: string) => void = () => {};
  /** JSON replies that arrive when nobody waits (e.g. after a timeout) */
  onUnsolicited: (reply: unknown) => void = () => {};

  constructor(private readonly port: Port) {
    port.onData((b) => {
      for (const line of this.splitter.push(b)) this.line(line);
    });
    port.onClose((reason) => {
      for (const w of this.waiters.splice(0)) {
        clearTimeout(w.timer);
        w.reject(new NoReply(`${port.label}: ${reason} before the reply`));
      }
    });
  }

  private line(line: string): void {
    let parsed: unknown;
    try {
      parsed = line.startsWith('{') ? JSON.parse(line) : undefined;
    } catch {
      parsed = undefined;
    }
    if (parsed === undefined) return this.onOther(line);
    const w = this.waiters[0];
    if (w === undefined) return this.onUnsolicited(parsed);
    w.got.push(parsed);
    if (w.got.length >= w.need) {
      this.waiters.shift();
      clearTimeout(w.timer);
      w.resolve(w.got);
    }
  }

  /** send one line, resolve with its replies (in order) */
  request(line: string, timeoutMs: number): Promise<unknown[]> {
    const need = expectedReplies(line);
    this.port.write(Buffer.from(line + '\r\n', 'latin1'));
    if (need === 0) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      const w: Waiter = {
        need,
        got: [],
        resolve,
        reject,
        timer: setTimeout(() => {
          const i = this.waiters.indexOf(w);
          if (i >= 0) this.waiters.splice(i, 1);
          reject(new NoReply(`no reply from ${this.port.label} within ${timeoutMs} ms (got ${w.got.length} of ${need}); wrong port or baud rate?`));
        }, timeoutMs),
      };
      this.waiters.push(w);
    });
  }
}

export function isError(reply: unknown): boolean {
  return typeof reply === 'object' && reply !== null && 'Error' in reply;
}

/**
 * --json: one compact line per reply, as the node sent it; otherwise Help and Settings as
 * aligned tables (render.ts), the rest indented, errors in red on a terminal
 */
export function formatReply(reply: unknown, json: boolean, color: boolean): string {
  if (json) return JSON.stringify(reply);
  const table = renderForPeople(reply);
  if (table !== undefined) return table;
  const text = JSON.stringify(reply, null, 2);
  return color && isError(reply) ? `\x1b[31m${text}\x1b[0m` : text;
}
