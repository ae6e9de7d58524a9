// The contract between `npm run build` (tools/build.ts) and each target's builder.
import type { Board } from '../../boards/schema';

export interface BuildResult {
  target: 'moddable' | 'espruino' | 'lua';
  board: string;
  /** the folder written: build/<target>/<board>/ */
  outDir: string;
  /** files written, relative to outDir */
  files: string[];
  /** bytes of JS or Lua source in the artifact (the bench reports this) */
  bytes: number;
  /** what the engineer should know: SDK commands to run, limits of the build */
  notes: string[];
}

export type Builder = (board: Board, outDir: string) => Promise<BuildResult>;
