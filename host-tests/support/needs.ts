// Tests that need a tool or an engine this machine may lack (gcc, python3, lua5.3, the
// real Espruino interpreter): when it is missing the test is declared as SKIPPED with the
// reason in its title, so the run shows it ("- title — SKIPPED: reason"); it never passes
// without having run. `.ci/run` installs what these need.
import test, { type ImplementationFn } from 'ava';
import { spawnSync } from 'node:child_process';

/** undefined when `cmd args` runs and exits 0; otherwise why not. */
export function commandMissing(cmd: string, args: string[], install: string): string | undefined {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 20000 });
  if (r.error !== undefined) return `${cmd} is not on PATH (${install})`;
  if (r.status !== 0) return `${cmd} ${args.join(' ')} exited ${r.status}: ${(r.stderr || r.stdout).trim().slice(0, 200)}`;
  return undefined;
}

/** `test` when nothing is missing; otherwise a skipped test whose title carries the reason. */
export function testIf(missing: string | undefined): (title: string, impl: ImplementationFn<[], unknown>) => void {
  if (missing === undefined) return (title, impl) => test(title, impl);
  return (title, impl) => test.skip(`${title} — SKIPPED: ${missing}`, impl);
}
