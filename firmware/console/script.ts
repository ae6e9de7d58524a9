// Engine-parity entry for the console: types a script of lines into a Console over a
// FakeTarget and returns everything the console wrote. host-tests/console-engines.test.ts
// runs it in Node and in XS (xsnap) and requires byte-identical output.
import { Console } from './console';
import { FakeTarget, ManualClock } from './fake-target';

export interface ScriptInput {
  /** each line is typed followed by CR LF; µs of virtual time pass between lines */
  lines: string[];
  stepUs: number;
  button: boolean;
}

export function runScript(input: ScriptInput): { output: string; restarts: number; factoryResets: number } {
  const clock = new ManualClock(1000000);
  const target = new FakeTarget(clock);
  target.pendingRekey = true;
  let output = '';
  const con = new Console(target, (bytes) => {
    for (let i = 0; i < bytes.length; i++) output += String.fromCharCode(bytes[i]);
  });
  if (input.button) con.buttonPressed();
  for (let l = 0; l < input.lines.length; l++) {
    const line = input.lines[l];
    for (let i = 0; i < line.length; i++) con.receive(line.charCodeAt(i));
    con.receive(13);
    con.receive(10);
    if (l === 3) target.trip('over-current', 95.5, 60);
    clock.advance(input.stepUs);
  }
  return { output: output, restarts: target.restarts, factoryResets: target.factoryResets };
}
