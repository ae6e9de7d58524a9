// The parity bundle's entry: the metering/protection core (firmware/parity/entry.ts)
// bundled by bundleForEspruino with exactly the app's settings (esbuild cjs es2015, the
// ES5 pass, the syntax check), published on Espruino's `global` so a host can call it.
// The app bundle has no exports (it only registers E.on('init')), so the core is reached
// through this second bundle built from the same modules.
import { runVectors } from '../../../firmware/parity/entry';

declare const global: Record<string, unknown>;

global.__espruinoParity = { runVectors: runVectors };
