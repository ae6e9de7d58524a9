// Streaming reader of a load trace: a header line `time,watts`, then one row per step.
// time: seconds (a number) or ISO 8601 (2026-11-27T10:00:00Z; no zone means UTC), one
// format per file; watts: a non-negative number, the mean power over the step that ends
// at that time. Steps may be irregular. The file is read in chunks and never held whole,
// so a file of several GB is fine; every problem stops the read with an error naming the
// line and what is wrong (nothing is skipped or interpolated silently).
import type { Readable } from 'node:stream';

export const MAX_GAP_S = 3600;
export const MAX_LINE_CHARS = 1024;

export class TraceError extends Error {
  constructor(
    readonly line: number,
    readonly what: string,
  ) {
    super(`line ${line}: ${what}`);
  }
}

export interface TraceRowIn {
  line: number;
  /** s (epoch seconds for ISO times) */
  t: number;
  watts: number;
}

/** Lines of a stream without holding it whole; a line longer than MAX_LINE_CHARS is an error. */
async function* lines(src: Readable | AsyncIterable<string | Buffer>): AsyncGenerator<string> {
  let buf = '';
  let n = 0;
  const dec = new TextDecoder();
  for await (const chunk of src as AsyncIterable<string | Buffer>) {
    buf += typeof chunk === 'string' ? chunk : dec.decode(chunk, { stream: true });
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      n++;
      yield buf.slice(0, i);
      buf = buf.slice(i + 1);
    }
    if (buf.length > MAX_LINE_CHARS) throw new TraceError(n + 1, `line longer than ${MAX_LINE_CHARS} characters (not a time,watts row)`);
  }
  buf += dec.decode();
  if (buf.length > 0) yield buf;
}

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const ISO = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(:(\d{2})(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/;

function parseTime(s: string, line: number): { t: number; iso: boolean } {
  if (NUMBER.test(s)) return { t: Number(s), iso: false };
  const m = ISO.exec(s);
  if (m) {
    const zoned = m[9] !== undefined ? s : `${s}Z`;
    const t = Date.parse(zoned.replace(' ', 'T'));
    if (Number.isFinite(t)) return { t: t / 1000, iso: true };
  }
  throw new TraceError(line, `time "${s}" is neither seconds nor ISO 8601 (e.g. 2026-11-27T10:00:00Z)`);
}

/** Rows of a trace; throws TraceError on the first problem. */
export async function* readTrace(src: Readable | AsyncIterable<string | Buffer>): AsyncGenerator<TraceRowIn> {
  let line = 0;
  let header = false;
  let iso: boolean | undefined;
  let lastT = NaN;
  let lastLine = 0;
  let rows = 0;
  for await (const raw of lines(src)) {
    line++;
    const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line === 1 && text.charCodeAt(0) === 0xfeff) {
      // a UTF-8 byte-order mark from a spreadsheet export
      if (text.slice(1).trim().toLowerCase() !== 'time,watts') throw new TraceError(1, `header must be "time,watts", found "${text.slice(1)}"`);
      header = true;
      continue;
    }
    if (!header) {
      if (text.trim().toLowerCase() !== 'time,watts') throw new TraceError(line, `header must be "time,watts", found "${text}"`);
      header = true;
      continue;
    }
    if (text.trim() === '') continue; // blank lines carry nothing
    const cols = text.split(',');
    if (cols.length !== 2) throw new TraceError(line, `expected 2 columns (time,watts), found ${cols.length}`);
    const ts = cols[0].trim();
    const ws = cols[1].trim();
    const tt = parseTime(ts, line);
    if (iso === undefined) iso = tt.iso;
    else if (iso !== tt.iso)
      throw new TraceError(line, `time "${ts}" mixes ${tt.iso ? 'ISO 8601' : 'seconds'} with the ${iso ? 'ISO 8601' : 'seconds'} of the rows above`);
    if (!NUMBER.test(ws)) throw new TraceError(line, `watts "${ws}" is not a number`);
    const w = Number(ws);
    if (!Number.isFinite(w)) throw new TraceError(line, `watts "${ws}" is not finite`);
    if (w < 0) throw new TraceError(line, `watts ${ws} is negative (a trace is the household's consumption)`);
    if (rows > 0) {
      if (tt.t === lastT) throw new TraceError(line, `time ${ts} duplicates line ${lastLine}`);
      if (tt.t < lastT) throw new TraceError(line, `time ${ts} goes backwards (before line ${lastLine})`);
      if (tt.t - lastT > MAX_GAP_S)
        throw new TraceError(line, `gap of ${round1(tt.t - lastT)} s since line ${lastLine} (more than 1 h; not interpolated: split the trace there)`);
    }
    lastT = tt.t;
    lastLine = line;
    rows++;
    yield { line, t: tt.t, watts: w };
  }
  if (line === 0) throw new TraceError(1, 'empty file (expected a "time,watts" header and rows)');
  if (rows < 2) throw new TraceError(line, `only ${rows} data row(s): at least 2 are needed for one step`);
}

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}
