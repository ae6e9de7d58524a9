// build.moddable.real_sdk: did the real Moddable SDK tools accept the build in this run?
// true when the real mcconfig resolved the plain and the --native manifest for esp32 (up to
// the make stage, which stops at "$IDF_PATH not set": no ESP-IDF here) and the real xsc
// compiled every module of both makefiles. false, with the reason, otherwise. The lin link
// and run are in host-tests/build-moddable-sdk.test.ts (too slow for the bench).
import { rmSync } from 'node:fs';
import { compileWithXsc, findSdk, resolveWithMcconfig } from '../build/moddable/sdk-check';

export interface RealSdkFigures {
  real_sdk: boolean;
  /** why real_sdk is false ('' when true) */
  real_sdk_reason: string;
  /** modules the real xsc compiled, plain + native (ours and the SDK's) */
  xsc_modules: number;
}

export async function moddableRealSdk(): Promise<RealSdkFigures> {
  const sdk = findSdk();
  if (typeof sdk === 'string') return { real_sdk: false, real_sdk_reason: sdk, xsc_modules: 0 };
  let modules = 0;
  try {
    for (const native of [false, true]) {
      const m = await resolveWithMcconfig(sdk, native);
      try {
        const x = compileWithXsc(sdk, m.run.makefile, m.outDir);
        if (x.failures.length > 0)
          return { real_sdk: false, real_sdk_reason: `xsc refused ${x.failures.map((f) => f.name).join(', ')}`, xsc_modules: modules + x.compiled };
        modules += x.compiled;
      } finally {
        rmSync(m.outDir, { recursive: true, force: true });
      }
    }
  } catch (e) {
    return { real_sdk: false, real_sdk_reason: (e as Error).message.split('\n')[0], xsc_modules: modules };
  }
  return { real_sdk: true, real_sdk_reason: '', xsc_modules: modules };
}
