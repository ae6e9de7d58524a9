// XS cost of the frame decoder (hal/moddable/continuous-adc.ts), the JS work the native ADC
// adds per block on top of the metering. `npx tsx tools/bench/native-decode.ts`
// prints computrons per 2 ms frame (8 output pairs, D = 3: 48 entries) measured in xsnap,
// from the difference between 400 and 200 frames (so module load and set-up cancel out).
import { fileURLToPath } from 'node:url';
import { dirname, resolve } from 'node:path';
import { isEntry } from '../cli';
async function main(): Promise<void> {
  const { EngineSession } = await import('../engines/run');
  const session = new EngineSession();
  try {
    const file = resolve(dirname(fileURLToPath(import.meta.url)), 'native-decode-cost.ts');
    const a = await session.callXs(file, 'decodeFrames', 200);
    const b = await session.callXs(file, 'decodeFrames', 400);
    const per = (b.meter.compute - a.meter.compute) / 200;
    console.log(JSON.stringify({ computronsPerFrame: Math.round(per), pairsPerFrame: 8, rawEntriesPerFrame: 48, check: b.value === 2 * (a.value as number) }));
  } finally {
    await session.close();
  }
}

if (isEntry(import.meta.url)) {
  main().catch((e) => {
    console.error(e);
    process.exitCode = 1;
  });
}
