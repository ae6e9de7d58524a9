// The console is portable firmware: the same script must give byte-identical replies in
// Node and in XS (Moddable's engine, run here through xsnap).
import test from 'ava';
import { EngineSession } from '../tools/engines/run';
import { runScript, type ScriptInput } from '../firmware/console/script';

const SCRIPT: ScriptInput = {
  stepUs: 1_500_000,
  button: false,
  lines: [
    'Status',
    'Readings',
    'Help',
    'Trips',
    'Relay1 on',
    'LockoutReset',
    'Relay1 on; Relay2',
    'Login 1111',
    'Login 2468',
    'VoltageHigh 260',
    'VoltageHigh 999',
    'voltagelow=210',
    'MaxPowerHold 2.5',
    'VoltageSet 231.5',
    'CurrentSet 0',
    'PowerSet',
    'Keys',
    'Keys confirm',
    'Keys',
    'Link',
    'Settings',
    'Help VoltageHigh',
    'FactoryReset',
    'Restart 1',
    'Nope 1',
    '\u00e9\u0001x',
    'Backlog Status; Radio; Trips 1',
    'x'.repeat(300),
    'Logout',
    'VoltageHigh 255',
  ],
};

test('console replies are byte-identical in Node and XS', async (t) => {
  const session = new EngineSession();
  try {
    const node = runScript(SCRIPT);
    const run = await session.callXs('firmware/console/script.ts', 'runScript', SCRIPT);
    const xs = run.value as ReturnType<typeof runScript>;
    // XS work for the whole 30-line script (33 commands), from the compute meter
    t.log(`XS compute for ${SCRIPT.lines.length} lines: ${run.meter.compute} computrons (${Math.round(run.meter.compute / 33)} per command)`);
    t.is(xs.output, node.output);
    t.deepEqual(xs, node);
    const lines = node.output.trimEnd().split('\r\n');
    t.is(lines.length, 33); // 30 lines, two of them chains (2 and 3 commands)
    t.is(node.restarts, 1);
    t.true(lines.every((l) => typeof JSON.parse(l) === 'object'));
  } finally {
    await session.close();
  }
});
