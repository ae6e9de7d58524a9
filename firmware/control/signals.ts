// The control unit's LED and buzzer: what a person at the unit sees and hears.
//   accepted  (a known finger, a guest code taken)   LED on 1 s, one 100 ms beep
//   refused   (unknown finger, bad code, no right)    three 100 ms beeps, 100 ms apart
//   alarm     (an access or radio alarm)              LED blinks 4 Hz for 10 s, one 1 s beep
// Patterns run on the hal Timer; a newer pattern replaces the one playing. Either output may
// be absent (a board without a buzzer). Portable: hal interfaces only.
import type { Digital, Timer } from '../../hal/io';

export type SignalKind = 'accepted' | 'refused' | 'alarm';

/** on/off steps in ms, starting with "on" */
function blink(halfMs: number, n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < 2 * n; i++) out.push(halfMs);
  return out;
}
const LED: { [k: string]: number[] } = { accepted: [1000], refused: [], alarm: blink(125, 40) };
const BUZZ: { [k: string]: number[] } = { accepted: [100], refused: [100, 100, 100, 100, 100], alarm: [1000] };

class Pattern {
  private timer = -1;
  constructor(
    private readonly out: Digital | undefined,
    private readonly t: Timer,
  ) {}

  play(steps: number[]): void {
    this.stop();
    if (this.out === undefined) return;
    this.step(steps, 0);
  }

  private step(steps: number[], k: number): void {
    if (this.out === undefined) return;
    if (k >= steps.length) {
      this.out.write(0);
      this.timer = -1;
      return;
    }
    this.out.write(k % 2 === 0 ? 1 : 0);
    this.timer = this.t.set(() => this.step(steps, k + 1), steps[k] * 1000);
  }

  stop(): void {
    if (this.timer >= 0) this.t.clear(this.timer);
    this.timer = -1;
    if (this.out !== undefined) this.out.write(0);
  }
}

export class Signals {
  private readonly led: Pattern;
  private readonly buzzer: Pattern;
  /** how many of each were signalled (tests and the status reply) */
  readonly counts: { [k: string]: number } = { accepted: 0, refused: 0, alarm: 0 };
  last: SignalKind | '' = '';

  constructor(led: Digital | undefined, buzzer: Digital | undefined, timer: Timer) {
    this.led = new Pattern(led, timer);
    this.buzzer = new Pattern(buzzer, timer);
  }

  signal(kind: SignalKind): void {
    this.counts[kind]++;
    this.last = kind;
    this.led.play(LED[kind]);
    this.buzzer.play(BUZZ[kind]);
  }
}

/** The signal an access-log record calls for, or '' for none. */
export function signalFor(kind: string): SignalKind | '' {
  if (kind === 'identify-match' || kind === 'pass-used' || kind === 'enrol') return 'accepted';
  if (kind === 'identify-no-match' || kind === 'pass-refused' || kind === 'action-refused' || kind === 'enrol-failed') return 'refused';
  if (kind === 'alarm') return 'alarm';
  return '';
}
