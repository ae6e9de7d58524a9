// What the technician console needs from a node. The lead's meter-node adapter implements
// this; host-tests and `--port sim` use firmware/console/fake-target.ts. Everything that
// crosses this boundary is plain data (numbers, strings, arrays, objects), so a reply can
// be written as JSON on every engine.
//
// Contract for every mutator (setSetting, calibrate, relay, resetLockout, confirmRekey):
// it returns { ok: false, error } WITHOUT changing anything when it refuses. The console
// checks ranges, credentials and syntax before it calls a mutator, and the fuzz test in
// host-tests/console-fuzz.test.ts holds both sides to "an error changes nothing".
import type { Clock } from '../../hal/io';
import type { JsonObject } from './json';
import type { Actor } from './roles';

export type Outcome = { ok: true } | { ok: false; error: string };

/** One adjustable setting (threshold, hold time, ...). Command name = setting name. */
export interface SettingInfo {
  /** CamelCase, letters only, e.g. 'VoltageHigh'; matched case-insensitively */
  name: string;
  unit: string;
  min: number;
  max: number;
  /** writes need the technician credential */
  sensitive: boolean;
  /** value must be a whole number */
  integer: boolean;
  /** one line for Help */
  help: string;
}

export type CalibrationKind = 'voltage' | 'current' | 'power';

export interface ConsoleTarget {
  /** monotonic µs (hal/io Clock): the credential window and the rate limit run on it */
  clock: Clock;
  status(): JsonObject;
  readings(): JsonObject;
  settings(): SettingInfo[];
  getSetting(name: string): number | undefined;
  /** `actor` is who asks: a setting the utility set with a signed limit needs 'configure-utility-limit' (roles.ts) */
  setSetting(name: string, value: number, actor: Actor): Outcome;
  /** Optional: the settings the utility holds (set by a signed limit); a factory reset over them needs a PIN */
  utilityLimits?(): string[];
  /** present gain of a calibration (plain number, for the read-back) */
  calibrationGain(kind: CalibrationKind): number;
  /** adjust the gain so that the present reading equals `reference` (V, A or W) */
  calibrate(kind: CalibrationKind, reference: number): Outcome;
  /** relay states, index 0 = Relay1; true = closed (power on) */
  relays(): boolean[];
  /**
   * index is 1-based; closing after a safety trip must be refused until a lockout reset,
   * and closing over a utility disconnect unless `actor` may (firmware/console/roles.ts)
   */
  relay(index: number, on: boolean, actor: Actor): Outcome;
  /** trip log, oldest first; each entry carries at least a reason */
  trips(): JsonObject[];
  /** the reset on the spot; the console has checked the role table ('safety-reset') */
  resetLockout(): Outcome;
  /** key fingerprints and whether a rekey waits for local confirmation */
  keys(): JsonObject;
  confirmRekey(): Outcome;
  linkStatus(): JsonObject;
  restart(): void;
  factoryReset(): void;
  /** compare a technician PIN (constant-time on the node); the console rate-limits calls */
  verifyPin(pin: string): boolean;
  /**
   * Optional: keep the failed-PIN count in the node's store, so that a power cycle does
   * not reset the rate limit. Without it the count lives in RAM only.
   */
  pinFailures?: { load(): number; save(failures: number): void };
}
