// Checks a Moddable build with the real SDK tools (../shared/moddable-sdk here, or $MODDABLE):
//   1. mcconfig -d -m -p esp32 resolves the manifest and writes the makefile (make then stops
//      at "$IDF_PATH not set": ESP-IDF is not here), for the plain and the --native build;
//   2. every xsc rule of that makefile (our modules, main and the SDK's own) is run with
//      the real xsc, as make would;
// The lin link and run are lin.ts and lin-run.ts. Used by host-tests/build-moddable-sdk.test.ts
// and the bench (build.moddable.real_sdk).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { loadBoard } from '../../../boards/schema';
import { buildModdableWith, REPO_ROOT, type McconfigRun } from '../moddable';

export interface Sdk {
  /** $MODDABLE */
  root: string;
  /** build/bin/lin/release: mcconfig, xsc, mcsim */
  bin: string;
}

/** The SDK: $MODDABLE if set, else ../shared/moddable-sdk beside the repository; the reason when neither has the Linux tools. */
export function findSdk(): Sdk | string {
  const candidates = [process.env.MODDABLE, resolve(REPO_ROOT, '../shared/moddable-sdk')].filter((p): p is string => p !== undefined && p !== '');
  for (const root of candidates) {
    const bin = join(root, 'build/bin/lin/release');
    if (existsSync(join(bin, 'mcconfig')) && existsSync(join(bin, 'xsc'))) return { root, bin };
  }
  return `no Moddable SDK with Linux tools (build/bin/lin/release/mcconfig and xsc) at ${candidates.join(' or ')}`;
}

/** the environment the SDK's tools expect */
export function sdkEnv(sdk: Sdk): NodeJS.ProcessEnv {
  return { ...process.env, MODDABLE: sdk.root, PATH: `${sdk.bin}:${process.env.PATH ?? ''}` };
}

export interface ManifestCheck {
  native: boolean;
  run: McconfigRun;
  outDir: string;
}

/** Build the app for `board` into a temp dir and let the real mcconfig (esp32) take it. */
export async function resolveWithMcconfig(sdk: Sdk, native: boolean, boardName = 'esp32-devkitc-meter'): Promise<ManifestCheck> {
  const outDir = mkdtempSync(join(tmpdir(), `moddable-sdk-${native ? 'native' : 'plain'}-`));
  const r = await buildModdableWith(loadBoard(boardName), outDir, { mcconfig: join(sdk.bin, 'mcconfig'), moddable: sdk.root, native });
  if (r.mcconfig === undefined) throw new Error('mcconfig did not run');
  return { native, run: r.mcconfig, outDir };
}

export interface XscRule {
  source: string;
  /** the module path in the archive, e.g. firmware/app/meter-node */
  name: string;
  args: string[];
}

/** The xsc rules of a makefile mcconfig wrote: "$(MODULES_DIR)/<m>.xsb: <src>" then "xsc <src> ... -r <name>". */
export function xscRules(makefile: string): XscRule[] {
  const lines = readFileSync(makefile, 'utf8').split('\n');
  const rules: XscRule[] = [];
  for (let k = 0; k + 2 < lines.length; k++) {
    const target = /^\$\(MODULES_DIR\)\/(\S+)\.xsb: (\S+)/.exec(lines[k]);
    if (target === null) continue;
    const cmd = lines[k + 2].trim();
    if (!cmd.startsWith('xsc ')) continue;
    const args = cmd.split(/\s+/).slice(1);
    rules.push({ source: target[2], name: target[1], args });
  }
  return rules;
}

export interface XscReport {
  compiled: number;
  ours: number;
  failures: { name: string; out: string }[];
}

/** Run every xsc rule of the makefile with the real xsc (output in a temp dir). */
export function compileWithXsc(sdk: Sdk, makefile: string, buildDir: string): XscReport {
  const out = mkdtempSync(join(tmpdir(), 'moddable-xsc-'));
  const report: XscReport = { compiled: 0, ours: 0, failures: [] };
  try {
    for (const r of xscRules(makefile)) {
      const dir = join(out, dirname(r.name));
      mkdirSync(dir, { recursive: true });
      const args = r.args.map((a) => (a === '$(@D)' ? dir : a));
      const p = spawnSync(join(sdk.bin, 'xsc'), args, { encoding: 'utf8', env: sdkEnv(sdk) });
      if (p.status === 0 && existsSync(join(dir, `${r.name.replace(/^.*\//, '')}.xsb`))) {
        report.compiled++;
        if (r.source.startsWith(buildDir)) report.ours++;
      } else report.failures.push({ name: r.name, out: `${p.stdout}${p.stderr}`.trim().slice(-400) });
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
  return report;
}
