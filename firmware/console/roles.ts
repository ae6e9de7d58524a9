// Who may do what on the spot: the one role table for local actions (issue 12, item 7).
// docs/ROLES.md explains each row; docs/CONSOLE.md and the console tests follow it.
//
// Actors, weakest first:
//   serial      anyone at the serial port, no credential (the port may sit on a USB
//               adapter, a home server or a serial-to-Wi-Fi bridge: not proof of presence)
//   button      someone at the meter who pressed the board's button (physical presence:
//               the household, or a technician without a PIN)
//   technician  a PIN login at the console (the utility's or installer's field staff)
//   utility     an authority-signed command over the link (firmware/link/command.ts)
//
// The control-unit issue (issue 7) moved the cells into the one policy table,
// firmware/access/policy.ts, which adds the control unit's roles (household, guest) and
// actions; this module is the console's view of it (its four actors, its seven rows).
import { may, rolesFor } from '../access/policy';
import type { Action, Role } from '../access/policy';

export type Actor = Extract<Role, 'serial' | 'button' | 'technician' | 'utility'>;

/** The policy's actions that a meter's console can ask for (their meaning: access/policy.ts). */
export type LocalAction = Extract<
  Action,
  'read' | 'relay-off' | 'relay-on' | 'relay-on-utility-hold' | 'safety-reset' | 'configure' | 'configure-utility-limit' | 'restart'
>;

// The cells live in the one policy table (firmware/access/policy.ts, issue 7): these are
// the console's rows and columns of it.
const LOCAL_ACTIONS: LocalAction[] = [
  'read',
  'relay-off',
  'relay-on',
  'relay-on-utility-hold',
  'safety-reset',
  'configure',
  'configure-utility-limit',
  'restart',
];
const ACTORS: Actor[] = ['serial', 'button', 'technician', 'utility'];

/** May `actor` do `action`? Unknown actions are refused. */
export function allowed(action: LocalAction, actor: Actor): boolean {
  return may(actor, action);
}

/** The actors allowed an action, for error replies ("Allowed"). */
export function actorsFor(action: LocalAction): string[] {
  return actorsOf(action);
}

function actorsOf(action: LocalAction): Actor[] {
  const all = rolesFor(action);
  const out: Actor[] = [];
  for (let i = 0; i < all.length; i++) for (let k = 0; k < ACTORS.length; k++) if (all[i] === ACTORS[k]) out.push(ACTORS[k]);
  return out;
}

/** The whole table (docs, tests). */
export function roleTable(): { action: LocalAction; actors: Actor[] }[] {
  const out: { action: LocalAction; actors: Actor[] }[] = [];
  for (let i = 0; i < LOCAL_ACTIONS.length; i++) out.push({ action: LOCAL_ACTIONS[i], actors: actorsOf(LOCAL_ACTIONS[i]) });
  return out;
}
