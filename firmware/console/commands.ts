// The console's command table. Each command validates its whole input (index, value,
// credential) before it calls a target mutator, so an error reply never follows a change.
// Reply shapes (docs/CONSOLE.md): success {"<Command>": value}; error
// {"Command": "<Command>", "Error": "<what>", ...allowed range: Min/Max/Unit or Allowed}.
import type { JsonObject, JsonValue } from './json';
import type { CalibrationKind, ConsoleTarget, Outcome } from './target';
import { Credential, PIN_MAX_DIGITS, PIN_MIN_DIGITS } from './credential';
import { parseNumber, parseOnOff } from './parser';
import type { LocalAction } from './roles';
import { actorsFor, allowed } from './roles';

export const FACTORY_RESET_WINDOW_US = 30e6;
export const MAX_TRIPS_SHOWN = 64;

export interface ConsoleContext {
  target: ConsoleTarget;
  cred: Credential;
  /** confirmation code of a pending factory reset, 0 = none */
  resetCode: number;
  resetUntil: number;
  /** actions to run after the replies of the line are written (restart, factory reset) */
  after: (() => void)[];
}

export interface CommandSpec {
  name: string;
  indexed: boolean;
  usage: string;
  about: string;
  /** writes need the technician credential */
  sensitive: boolean;
  run: (ctx: ConsoleContext, command: string, index: number, value: string) => JsonObject;
}

export function reply(command: string, value: JsonValue): JsonObject {
  const o: JsonObject = {};
  o[command] = value;
  return o;
}

export function fail(command: string, error: string, extra?: JsonObject): JsonObject {
  const o: JsonObject = { Command: command, Error: error };
  if (extra !== undefined) {
    const keys = Object.keys(extra);
    for (let i = 0; i < keys.length; i++) o[keys[i]] = extra[keys[i]];
  }
  return o;
}

export const CREDENTIAL_HINT = `Login <${PIN_MIN_DIGITS}..${PIN_MAX_DIGITS} digit PIN> or press the button`;

/** The role table's answer for the console's present actor (firmware/console/roles.ts). */
export function needRole(ctx: ConsoleContext, command: string, action: LocalAction): JsonObject | undefined {
  if (allowed(action, ctx.cred.actor())) return undefined;
  return fail(command, 'credential required', { Allowed: CREDENTIAL_HINT, Roles: actorsFor(action) });
}

export function needCredential(ctx: ConsoleContext, command: string): JsonObject | undefined {
  if (ctx.cred.isOpen()) return undefined;
  return fail(command, 'credential required', { Allowed: CREDENTIAL_HINT });
}

function noValue(command: string, value: string): JsonObject | undefined {
  return value === '' ? undefined : fail(command, 'takes no value', { Got: value, Allowed: 'no value' });
}

function outcome(command: string, r: Outcome, ok: JsonValue, extra?: JsonObject): JsonObject {
  return r.ok ? reply(command, ok) : fail(command, r.error, extra);
}

/** Reference ranges for calibration: mains 100..240 V nominal, SCT-013-050 class clamps. */
export const CALIBRATION: { name: string; kind: CalibrationKind; unit: string; min: number; max: number }[] = [
  { name: 'VoltageSet', kind: 'voltage', unit: 'V', min: 80, max: 300 },
  { name: 'CurrentSet', kind: 'current', unit: 'A', min: 0.1, max: 100 },
  { name: 'PowerSet', kind: 'power', unit: 'W', min: 10, max: 25000 },
];

function calibrationCommand(c: { name: string; kind: CalibrationKind; unit: string; min: number; max: number }): CommandSpec {
  const range: JsonObject = { Min: c.min, Max: c.max, Unit: c.unit };
  return {
    name: c.name,
    indexed: false,
    usage: `${c.name} [${c.min}..${c.max}]`,
    about: `calibrate ${c.kind} against a reference meter reading in ${c.unit}; no value shows the gain`,
    sensitive: true,
    run: (ctx, command, index, value) => {
      if (value === '') return reply(command, { Gain: ctx.target.calibrationGain(c.kind) });
      const denied = needCredential(ctx, command);
      if (denied !== undefined) return denied;
      const ref = parseNumber(value);
      if (ref === undefined) return fail(command, 'not a number', { Got: value, Min: c.min, Max: c.max, Unit: c.unit });
      if (ref < c.min || ref > c.max) return fail(command, 'out of range', { Got: ref, Min: c.min, Max: c.max, Unit: c.unit });
      const r = ctx.target.calibrate(c.kind, ref);
      return outcome(command, r, { Reference: ref, Gain: ctx.target.calibrationGain(c.kind) }, range);
    },
  };
}

function relayCommand(): CommandSpec {
  return {
    name: 'Relay',
    indexed: true,
    usage: 'Relay<n> [ON|OFF]',
    about: 'read or switch relay n (1 if omitted); closing after a safety trip needs LockoutReset, over a utility disconnect a PIN login',
    sensitive: false,
    run: (ctx, command, index, value) => {
      const states = ctx.target.relays();
      if (index < 1 || index > states.length) {
        return fail(command, 'no such relay', { Got: index, Min: 1, Max: states.length });
      }
      if (value === '') return reply(command, states[index - 1] ? 'ON' : 'OFF');
      const on = parseOnOff(value);
      if (on === undefined) return fail(command, 'not ON or OFF', { Got: value, Allowed: ['ON', 'OFF', '1', '0'] });
      const r = ctx.target.relay(index, on, ctx.cred.actor());
      if (!r.ok) return fail(command, r.error, { Allowed: ['ON', 'OFF'] });
      return reply(command, ctx.target.relays()[index - 1] ? 'ON' : 'OFF');
    },
  };
}

function simple(name: string, about: string, read: (t: ConsoleTarget) => JsonValue): CommandSpec {
  return {
    name: name,
    indexed: false,
    usage: name,
    about: about,
    sensitive: false,
    run: (ctx, command, index, value) => {
      const bad = noValue(command, value);
      return bad !== undefined ? bad : reply(command, read(ctx.target));
    },
  };
}

export function builtinCommands(): CommandSpec[] {
  const list: CommandSpec[] = [
    simple('Status', 'node identity, uptime, protection state', (t) => t.status()),
    simple('Readings', 'latest V, I, P, PF, f, energy, temperature, gas', (t) => t.readings()),
    simple('Link', 'radio and link status (alias Radio)', (t) => t.linkStatus()),
    simple('Radio', 'same as Link', (t) => t.linkStatus()),
    {
      name: 'Trips',
      indexed: false,
      usage: `Trips [1..${MAX_TRIPS_SHOWN}]`,
      about: 'trip log with reasons, newest last; a number shows only the last n',
      sensitive: false,
      run: (ctx, command, index, value) => {
        const all = ctx.target.trips();
        if (value === '') return reply(command, all.slice(Math.max(0, all.length - MAX_TRIPS_SHOWN)));
        const n = parseNumber(value);
        if (n === undefined || n !== Math.floor(n) || n < 1 || n > MAX_TRIPS_SHOWN) {
          return fail(command, 'not a whole number in range', { Got: value, Min: 1, Max: MAX_TRIPS_SHOWN });
        }
        return reply(command, all.slice(Math.max(0, all.length - n)));
      },
    },
    relayCommand(),
    {
      name: 'LockoutReset',
      indexed: false,
      usage: 'LockoutReset',
      about: 'the reset on the spot after a safety trip or lockout (button press or PIN login)',
      sensitive: true,
      run: (ctx, command, index, value) => {
        const bad = noValue(command, value);
        if (bad !== undefined) return bad;
        const denied = needRole(ctx, command, 'safety-reset');
        return denied !== undefined ? denied : outcome(command, ctx.target.resetLockout(), 'Done', { Allowed: 'no value' });
      },
    },
    {
      name: 'Keys',
      indexed: false,
      usage: 'Keys [CONFIRM]',
      about: 'key fingerprints; CONFIRM accepts a pending rekey (credential)',
      sensitive: true,
      run: (ctx, command, index, value) => {
        if (value === '') return reply(command, ctx.target.keys());
        if (value.toLowerCase() !== 'confirm') return fail(command, 'unknown action', { Got: value, Allowed: ['CONFIRM'] });
        const denied = needCredential(ctx, command);
        if (denied !== undefined) return denied;
        return outcome(command, ctx.target.confirmRekey(), 'Confirmed', { Allowed: ['CONFIRM'] });
      },
    },
    {
      name: 'Restart',
      indexed: false,
      usage: 'Restart 1',
      about: 'restart the node (1 confirms)',
      sensitive: false,
      run: (ctx, command, index, value) => {
        if (value !== '1') return fail(command, 'needs 1 to confirm', { Got: value, Allowed: [1] });
        const t = ctx.target;
        ctx.after.push(() => t.restart());
        return reply(command, 'Restarting');
      },
    },
    {
      name: 'FactoryReset',
      indexed: false,
      usage: 'FactoryReset [code]',
      about: 'erase settings, calibration and keys: send once for a code, then FactoryReset <code> within 30 s (credential)',
      sensitive: true,
      run: (ctx, command, index, value) => {
        const denied = needCredential(ctx, command);
        if (denied !== undefined) return denied;
        // a factory reset erases the settings, the utility's signed limits with them
        const held = ctx.target.utilityLimits !== undefined ? ctx.target.utilityLimits() : [];
        if (held.length > 0 && !allowed('configure-utility-limit', ctx.cred.actor()))
          return fail(command, 'refused: the utility holds ' + held.join(', ') + ' (signed limits); a PIN login factory-resets', {
            Roles: actorsFor('configure-utility-limit'),
          });
        const now = ctx.target.clock.now();
        if (value === '') {
          // Not a secret: it only proves the technician meant it (the credential is the gate).
          ctx.resetCode = 1000 + (Math.floor(now / 1000) % 9000);
          ctx.resetUntil = now + FACTORY_RESET_WINDOW_US;
          return reply(command, { State: 'Pending', Confirm: `FactoryReset ${ctx.resetCode}`, ExpiresInS: FACTORY_RESET_WINDOW_US / 1e6 });
        }
        if (ctx.resetCode === 0 || now >= ctx.resetUntil) {
          return fail(command, 'no pending reset', { Got: value, Allowed: 'FactoryReset first, then FactoryReset <code> within 30 s' });
        }
        if (parseNumber(value) !== ctx.resetCode) return fail(command, 'wrong confirmation code', { Got: value, Allowed: [ctx.resetCode] });
        ctx.resetCode = 0;
        const t = ctx.target;
        ctx.after.push(() => t.factoryReset());
        return reply(command, 'Resetting');
      },
    },
    {
      name: 'Login',
      indexed: false,
      usage: `Login [PIN of ${PIN_MIN_DIGITS}..${PIN_MAX_DIGITS} digits]`,
      about: 'open the technician window; no value shows the window state',
      sensitive: false,
      run: (ctx, command, index, value) => {
        if (value === '') return reply(command, { State: ctx.cred.isOpen() ? 'Open' : 'Closed', ExpiresInS: ctx.cred.remainingS() });
        if (!Credential.wellFormed(value)) {
          return fail(command, 'not a PIN', { Allowed: `${PIN_MIN_DIGITS}..${PIN_MAX_DIGITS} digits` });
        }
        const r = ctx.cred.login(value);
        if (r.ok) return reply(command, { State: 'Open', ExpiresInS: r.expiresInS });
        return fail(command, r.error, { AttemptsLeft: r.attemptsLeft, RetryInS: r.retryInS });
      },
    },
    {
      name: 'Logout',
      indexed: false,
      usage: 'Logout',
      about: 'close the technician window',
      sensitive: false,
      run: (ctx, command, index, value) => {
        const bad = noValue(command, value);
        if (bad !== undefined) return bad;
        ctx.cred.logout();
        return reply(command, { State: 'Closed' });
      },
    },
  ];
  for (let i = 0; i < CALIBRATION.length; i++) list.push(calibrationCommand(CALIBRATION[i]));
  return list;
}
