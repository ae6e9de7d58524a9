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
// The control-unit issue (roles household / guest / technician / utility, one policy
// module) extends this table: `household` and `guest` come in as actors of the control
// unit's own interface; the rows stay the single place a local permission is decided.
export type Actor = 'serial' | 'button' | 'technician' | 'utility';

export type LocalAction =
  /** readings, status, trip log, key fingerprints */
  | 'read'
  /** open the relays (always allowed: opening is the safe direction) */
  | 'relay-off'
  /** close the relays after a plain (local or boot) open */
  | 'relay-on'
  /** close the relays while the utility holds them open (a signed disconnect with a reason) */
  | 'relay-on-utility-hold'
  /** the reset on the spot after a safety trip or lockout (re-arms the comparator latch) */
  | 'safety-reset'
  /** thresholds, calibration, key confirmation, factory reset */
  | 'configure'
  | 'restart';

const TABLE: { action: LocalAction; actors: Actor[] }[] = [
  { action: 'read', actors: ['serial', 'button', 'technician', 'utility'] },
  { action: 'relay-off', actors: ['serial', 'button', 'technician', 'utility'] },
  { action: 'relay-on', actors: ['serial', 'button', 'technician', 'utility'] },
  // a disconnect for non-payment is not undone by whoever reaches the port or the button
  { action: 'relay-on-utility-hold', actors: ['technician', 'utility'] },
  // a breaker's reset is a local act (IEC 60947-2 style: reset at the device); the remote
  // side never closes over a trip (the command policy refuses a reconnect: 'safety')
  { action: 'safety-reset', actors: ['button', 'technician'] },
  { action: 'configure', actors: ['button', 'technician'] },
  { action: 'restart', actors: ['serial', 'button', 'technician'] },
];

/** May `actor` do `action`? Unknown actions are refused. */
export function allowed(action: LocalAction, actor: Actor): boolean {
  for (let i = 0; i < TABLE.length; i++) {
    if (TABLE[i].action !== action) continue;
    const a = TABLE[i].actors;
    for (let k = 0; k < a.length; k++) if (a[k] === actor) return true;
    return false;
  }
  return false;
}

/** The actors allowed an action, for error replies ("Allowed"). */
export function actorsFor(action: LocalAction): string[] {
  for (let i = 0; i < TABLE.length; i++) if (TABLE[i].action === action) return TABLE[i].actors.slice();
  return [];
}

/** The whole table (docs, tests). */
export function roleTable(): { action: LocalAction; actors: Actor[] }[] {
  const out: { action: LocalAction; actors: Actor[] }[] = [];
  for (let i = 0; i < TABLE.length; i++) out.push({ action: TABLE[i].action, actors: TABLE[i].actors.slice() });
  return out;
}
