// Deterministic discrete-event scheduler in virtual microseconds.
//
// Two kinds of work:
// - hardware events (`at`): ISRs, DMA completion, physics, latches. They run at exactly
//   their time, whatever the JS thread is doing.
// - JS-thread callbacks (`js`): become ready at a time, then wait (FIFO) for the single JS
//   thread, keep it busy for their cost, and run their function at start + cost. This is
//   how one JS engine on a microcontroller behaves (XS, Espruino: one task at a time), and
//   it is what makes a multi-second signature check delay a GPIO callback (`busy`).
//
// Ties are broken by insertion order, so a run is a pure function of its inputs. The queue
// is a binary heap keyed on (time, sequence number).

const KIND_HW = 0;
const KIND_JS_READY = 1;
const KIND_JS_DONE = 2;
const KIND_WAKE = 3;

interface Ev {
  t: number;
  seq: number;
  id: number;
  kind: number;
  fn: () => void;
  cost: number;
  cancelled: boolean;
}

export interface SchedulerOptions {
  startUs?: number;
}

function before(a: Ev, b: Ev): boolean {
  return a.t < b.t || (a.t === b.t && a.seq < b.seq);
}

const NOOP = (): void => {};

export class Scheduler {
  private readonly heap: Ev[] = [];
  private t: number;
  private seq = 0;
  private nextId = 1;
  private readonly live = new Map<number, Ev>();
  /** JS callbacks that are ready and wait for the thread, FIFO (array + head index). */
  private ready: Ev[] = [];
  private readyHead = 0;
  private freeAt: number;
  private running: Ev | null = null;
  private wakeArmed = false;
  private inRun = false;
  private haltErr: Error | undefined = undefined;
  /** events dispatched so far (for performance figures) */
  dispatched = 0;

  constructor(options: SchedulerOptions = {}) {
    const start = options.startUs === undefined ? 0 : options.startUs;
    if (!Number.isFinite(start)) throw new RangeError(`Scheduler.startUs must be a finite number of µs, got ${start}`);
    this.t = start;
    this.freeAt = start;
  }

  now(): number {
    return this.t;
  }

  /** A hardware event at exactly tUs (times in the past run at once, in order). */
  at(tUs: number, fn: () => void): number {
    return this.push(this.checkTime('at', tUs), KIND_HW, fn, 0).id;
  }

  /** A JS-thread callback: ready at tUs, runs when the thread is free, costs costUs. */
  js(tUs: number, fn: () => void, costUs: number): number {
    if (!(costUs >= 0) || !Number.isFinite(costUs)) {
      throw new RangeError(`Scheduler.js costUs must be a finite number >= 0 µs, got ${costUs}`);
    }
    return this.push(this.checkTime('js', tUs), KIND_JS_READY, fn, costUs).id;
  }

  /** The JS thread is busy for durationUs, starting now or when it frees up. */
  busy(durationUs: number): void {
    if (!(durationUs >= 0) || !Number.isFinite(durationUs)) {
      throw new RangeError(`Scheduler.busy durationUs must be a finite number >= 0 µs, got ${durationUs}`);
    }
    this.freeAt = Math.max(this.t, this.freeAt) + durationUs;
  }

  /** When the JS thread is next free (>= now). */
  jsFreeAt(): number {
    return Math.max(this.t, this.freeAt);
  }

  /** Cancel a pending event or JS callback. A JS callback already started keeps its cost. */
  cancel(id: number): void {
    const ev = this.live.get(id);
    if (ev === undefined) return;
    ev.cancelled = true;
    this.live.delete(id);
  }

  /** Number of pending (not cancelled) events and callbacks. */
  pending(): number {
    return this.live.size;
  }

  /** time of the earliest queued event (Infinity when none): lets a co-simulation step event by event */
  nextAt(): number {
    return this.heap.length > 0 ? this.heap[0].t : Infinity;
  }

  runFor(durationUs: number): void {
    this.runUntil(this.t + durationUs);
  }

  /**
   * Stop the run at the end of the current event and throw `err` from runUntil (a power
   * cut: whatever the firmware caught, the board stops there).
   */
  halt(err: Error): void {
    this.haltErr = err;
  }

  runUntil(tUs: number): void {
    if (Number.isNaN(tUs)) throw new RangeError('Scheduler.runUntil tUs must be a number, got NaN');
    if (this.inRun) throw new Error('Scheduler.runUntil called from inside an event; schedule work instead');
    this.inRun = true;
    try {
      const heap = this.heap;
      while (heap.length > 0 && heap[0].t <= tUs) {
        if (this.haltErr !== undefined) break;
        const ev = this.pop();
        if (ev.kind === KIND_JS_DONE) {
          this.t = ev.t;
          this.running = null;
          this.dispatched++;
          try {
            if (!ev.cancelled) {
              this.live.delete(ev.id);
              ev.fn();
            }
          } finally {
            this.pump();
          }
          continue;
        }
        if (ev.kind === KIND_WAKE) {
          this.t = ev.t;
          this.wakeArmed = false;
          this.pump();
          continue;
        }
        if (ev.cancelled) continue;
        this.t = ev.t;
        this.dispatched++;
        if (ev.kind === KIND_HW) {
          this.live.delete(ev.id);
          ev.fn();
        } else {
          this.ready.push(ev);
          this.pump();
        }
      }
      if (this.haltErr !== undefined) {
        const e = this.haltErr;
        this.haltErr = undefined;
        throw e;
      }
      if (tUs > this.t) this.t = tUs;
    } finally {
      this.inRun = false;
    }
  }

  /** Start the next ready JS callback if the thread is free. */
  private pump(): void {
    if (this.running !== null) return;
    const ready = this.ready;
    while (this.readyHead < ready.length && ready[this.readyHead].cancelled) this.readyHead++;
    if (this.readyHead >= ready.length) {
      this.ready = [];
      this.readyHead = 0;
      return;
    }
    if (this.freeAt > this.t) {
      if (!this.wakeArmed) {
        this.wakeArmed = true;
        this.push(this.freeAt, KIND_WAKE, NOOP, 0);
      }
      return;
    }
    const job = ready[this.readyHead++];
    if (this.readyHead > 1024 && this.readyHead * 2 > ready.length) {
      this.ready = ready.slice(this.readyHead);
      this.readyHead = 0;
    }
    this.freeAt = this.t + job.cost;
    this.running = job;
    job.kind = KIND_JS_DONE;
    job.t = this.freeAt;
    job.seq = this.seq++;
    this.heapPush(job);
  }

  private checkTime(what: string, tUs: number): number {
    if (Number.isNaN(tUs)) throw new RangeError(`Scheduler.${what} tUs must be a number of µs, got NaN`);
    return tUs < this.t ? this.t : tUs;
  }

  private push(t: number, kind: number, fn: () => void, cost: number): Ev {
    const ev: Ev = { t, seq: this.seq++, id: this.nextId++, kind, fn, cost, cancelled: false };
    if (kind !== KIND_WAKE) this.live.set(ev.id, ev);
    this.heapPush(ev);
    return ev;
  }

  private heapPush(ev: Ev): void {
    const heap = this.heap;
    let i = heap.length;
    heap.push(ev);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(ev, heap[p])) break;
      heap[i] = heap[p];
      i = p;
    }
    heap[i] = ev;
  }

  private pop(): Ev {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop() as Ev;
    const n = heap.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const c = r < n && before(heap[r], heap[l]) ? r : l;
        if (!before(heap[c], last)) break;
        heap[i] = heap[c];
        i = c;
      }
      heap[i] = last;
    }
    return top;
  }
}
