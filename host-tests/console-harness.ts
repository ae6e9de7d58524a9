// Test harness for the console: a FakeTarget, a Console writing into a byte list, and
// type(line) which feeds the line's bytes plus CRLF and returns the parsed reply lines.
import { Console } from '../firmware/console/console';
import { FakeTarget, ManualClock } from '../firmware/console/fake-target';

export interface Harness {
  target: FakeTarget;
  clock: ManualClock;
  con: Console;
  out: number[];
  type(line: string, eol?: string): any[];
  bytes(bs: number[]): any[];
  login(): void;
}

export function harness(): Harness {
  const clock = new ManualClock(1_000_000);
  const target = new FakeTarget(clock);
  const out: number[] = [];
  const con = new Console(target, (b) => {
    for (const x of b) out.push(x);
  });
  const take = (): any[] => {
    const text = String.fromCharCode(...out.splice(0));
    if (text === '') return [];
    if (!text.endsWith('\r\n')) throw new Error(`reply not CRLF-terminated: ${JSON.stringify(text)}`);
    return text
      .slice(0, -2)
      .split('\r\n')
      .map((l) => JSON.parse(l));
  };
  const h: Harness = {
    target,
    clock,
    con,
    out,
    bytes(bs) {
      for (const b of bs) con.receive(b);
      return take();
    },
    type(line, eol = '\r\n') {
      return h.bytes([...Buffer.from(line + eol, 'latin1')]);
    },
    login() {
      const r = h.type(`Login ${target.pin}`);
      if (r[0].Login?.State !== 'Open') throw new Error('login failed: ' + JSON.stringify(r));
    },
  };
  return h;
}
