// `npm run test:fast`: the edit-loop run. The unit, property and simulator tests only: a file
// is left out when it runs a real engine or a real program (xsnap, the Espruino interpreter,
// lua5.3, the Moddable SDK tools, chromium, Mosquitto) or builds a board app. Those stay in
// `npm test`, which CI runs and which must pass before anything lands; this list is derived
// from the files themselves so it cannot drift.
import { readdirSync, readFileSync } from 'node:fs';

const ENGINE = /tools\/engines|tools\/build|xsnap|espruino-linux|lua5\.3|chromium|playwright|mosquitto|XsWorker|runXsProof/;
const files = readdirSync('host-tests')
  .filter((f) => f.endsWith('.test.ts'))
  .filter((f) => !ENGINE.test(readFileSync(`host-tests/${f}`, 'utf8')))
  .map((f) => `host-tests/${f}`);

export default {
  extensions: { ts: 'module' },
  nodeArguments: ['--import=tsx'],
  workerThreads: false,
  files,
  timeout: '180s',
  require: ['./host-tests/support/fc-seed.ts'],
};
