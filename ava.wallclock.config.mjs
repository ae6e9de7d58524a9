// The second phase of `npm test`: tests that run real programs on wall-clock timers (the
// Moddable app in mcsim, whose PolledAdc needs its 1 ms ticks on time). They run after the
// main phase, on their own, so the rest of the suite does not load the CPU under them.
// The main phase (package.json "ava") excludes these files.
export default {
  extensions: { ts: 'module' },
  nodeArguments: ['--import=tsx'],
  workerThreads: false,
  files: ['host-tests/build-moddable-sdk.test.ts'],
  timeout: '300s',
  require: ['./host-tests/support/fc-seed.ts'],
};
