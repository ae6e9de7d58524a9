// Property tests run with a fixed seed in `npm test`, so CI never flakes on a
// counterexample that one seed in a thousand finds; `npm run fuzz` sets FC_SEED=random to
// explore. The seed is printed when a fuzz file ends, passed or failed (reportSeed), and
// fast-check's own failure message carries it too: replay with FC_SEED=<n>.
//
// FUZZ_RUNS scales every fuzz property: it is the run count of a property whose `npm test`
// count is 300 (the link fuzzer's), and every other property keeps its ratio to that
// (fuzzRuns(base)); unset, each runs its own base count.
import fc from 'fast-check';

const env = process.env.FC_SEED;
export const FC_SEED = env === 'random' ? (Date.now() ^ (process.pid << 8)) >>> 0 : env !== undefined ? Number(env) : 20261125;
if (!Number.isInteger(FC_SEED)) throw new RangeError(`FC_SEED ${env} out of range: an integer or 'random'`);
fc.configureGlobal({ seed: FC_SEED });

/** the count FUZZ_RUNS stands for */
export const FUZZ_BASE = 300;
const runsEnv = process.env.FUZZ_RUNS;
const runs = runsEnv === undefined ? FUZZ_BASE : Number(runsEnv);
if (!(Number.isInteger(runs) && runs >= 1)) throw new RangeError(`FUZZ_RUNS ${runsEnv} out of range 1..`);

/** numRuns for a property whose `npm test` count is `base`, scaled by FUZZ_RUNS / 300 */
export function fuzzRuns(base: number): number {
  return Math.max(1, Math.round((base * runs) / FUZZ_BASE));
}

export function seedLine(file: string): string {
  return `${file}: fast-check seed ${FC_SEED}, FUZZ_RUNS ${runs} (replay: FC_SEED=${FC_SEED} FUZZ_RUNS=${runs})`;
}

/** Print the seed when the file's tests end, whether they passed or not (ava's test.after.always). */
export function reportSeed(after: (fn: () => void) => void, file: string): void {
  after(() => {
    process.stdout.write(seedLine(file) + '\n');
  });
}
