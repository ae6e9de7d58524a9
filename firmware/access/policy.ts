// Roles and policy in one place (issue 7, item 5): the one table of role x action for the
// whole system, and the one function that decides. It subsumes the console's role table
// (issue 12): firmware/console/roles.ts now reads its rows from here, so the meter node's
// console and the control unit (fingerprint, guest codes, PC link) follow the same cells.
// docs/ROLES.md and docs/CONTROL-UNIT.md ("Roles") are this table in words;
// host-tests/access-policy.test.ts tests every cell.
//
// Roles, weakest first:
//   serial      anyone at a meter node's serial port, no credential
//   guest       a guest code (TOTP) from a pass a household member issued; limited further by the pass's scope
//   button      someone at the board who pressed its button (physical presence)
//   household   a household member identified by fingerprint at the control unit (or their open session)
//   technician  a PIN login at a console (the utility's or installer's field staff)
//   utility     an authority-signed command over the link (firmware/link/command.ts)

export type Role = 'serial' | 'guest' | 'button' | 'household' | 'technician' | 'utility';
export const ROLES: Role[] = ['serial', 'guest', 'button', 'household', 'technician', 'utility'];

export type Action =
  /** read readings, status, trip log, key fingerprints */
  | 'read'
  /** open a relay (opening is the safe direction) */
  | 'relay-off'
  /** close a relay after a plain (local or boot) open */
  | 'relay-on'
  /** close the relays while the utility holds them open (a signed disconnect with a reason) */
  | 'relay-on-utility-hold'
  /** the reset on the spot after a safety trip or lockout (re-arms the comparator latch) */
  | 'safety-reset'
  /** change a threshold; calibration, key confirmation and factory reset at a meter's console */
  | 'configure'
  | 'restart'
  /** issue a guest pass (a TOTP key with an expiry, a use count and a scope) */
  | 'issue-guest-pass'
  /** enrol a finger on the control unit's reader */
  | 'enrol-finger'
  /** delete one finger, or wipe the reader */
  | 'delete-finger'
  /** confirm a rekey of a node's link keys at the control unit */
  | 'confirm-rekey'
  /** disconnect the supply (the utility's disconnect, with a reason) */
  | 'disconnect'
  /** read the access log */
  | 'read-access-log';

interface Row {
  action: Action;
  roles: Role[];
  why: string;
}

const TABLE: Row[] = [
  { action: 'read', roles: ['serial', 'guest', 'button', 'household', 'technician', 'utility'], why: 'nothing secret is shown' },
  { action: 'relay-off', roles: ['serial', 'guest', 'button', 'household', 'technician', 'utility'], why: 'opening is the safe direction' },
  { action: 'relay-on', roles: ['serial', 'guest', 'button', 'household', 'technician', 'utility'], why: "the household's own switch; never over a trip" },
  { action: 'relay-on-utility-hold', roles: ['technician', 'utility'], why: 'a disconnect for non-payment is not undone by whoever reaches the port, the button or the house' },
  { action: 'safety-reset', roles: ['button', 'technician'], why: 'a breaker is reset at the breaker: never remotely, by anyone' },
  { action: 'configure', roles: ['button', 'technician'], why: 'protection settings are changed at the meter; the utility uses signed limit commands' },
  { action: 'restart', roles: ['serial', 'button', 'household', 'technician'], why: 'restarting keeps every latch and hold' },
  { action: 'issue-guest-pass', roles: ['household'], why: 'the household decides who comes in' },
  { action: 'enrol-finger', roles: ['button', 'household', 'technician'], why: 'the first finger is enrolled with the button at the unit; then a household member vouches' },
  { action: 'delete-finger', roles: ['household', 'technician'], why: 'removing a member is the household’s (or the installer’s) act' },
  { action: 'confirm-rekey', roles: ['button', 'technician'], why: 'a new key is confirmed by someone at the unit, never by the side that sent it' },
  { action: 'disconnect', roles: ['utility'], why: 'the supply contract is the utility’s; the household opens its own relays with relay-off' },
  { action: 'read-access-log', roles: ['household', 'technician'], why: 'who came and went is the household’s business (and the installer’s when asked)' },
];

/** Actions that act on the supply or the relays, which a standing safety trip refuses remotely. */
const CLOSES_SUPPLY: Action[] = ['relay-on', 'relay-on-utility-hold'];

/** Roles that act from a distance: they never reach the meter's breaker (a remote safety override is refused for all). */
const REMOTE_ROLES: Role[] = ['serial', 'guest', 'household', 'utility'];

function has<T>(list: T[], x: T): boolean {
  for (let i = 0; i < list.length; i++) if (list[i] === x) return true;
  return false;
}

function row(action: string): Row | undefined {
  for (let i = 0; i < TABLE.length; i++) if (TABLE[i].action === action) return TABLE[i];
  return undefined;
}

/** The table cell: may `role` do `action`? Unknown roles and actions are refused. */
export function may(role: string, action: string): boolean {
  const r = row(action);
  return r !== undefined && has(r.roles as string[], role);
}

/** The roles allowed an action (error replies, docs). */
export function rolesFor(action: string): Role[] {
  const r = row(action);
  return r === undefined ? [] : r.roles.slice();
}

/** The whole table (docs, tests, the PC link's "who may" answer). */
export function policyTable(): { action: Action; roles: Role[]; why: string }[] {
  const out: { action: Action; roles: Role[]; why: string }[] = [];
  for (let i = 0; i < TABLE.length; i++) out.push({ action: TABLE[i].action, roles: TABLE[i].roles.slice(), why: TABLE[i].why });
  return out;
}

export interface RequestContext {
  /** a safety trip or lockout holds the relay open now */
  tripped?: boolean;
  /** the request came from away from the meter (control unit, PC link, radio) */
  remote?: boolean;
  /** a guest's pass scope: the actions the pass allows */
  scope?: string[];
}

export interface Decision {
  allowed: boolean;
  role: string;
  action: string;
  /** 'ok', or why not, in words that name the rule */
  reason: string;
}

function isRole(r: string): boolean {
  return has(ROLES as string[], r);
}

/**
 * The one decision: the table, then the rules no cell can override. A safety trip cannot be
 * overridden remotely by anyone: with `tripped`, closing from a distance is refused whatever
 * the role, and the reset on the spot is refused whenever the request is remote.
 */
export function decide(role: string, action: string, ctx: RequestContext): Decision {
  const d: Decision = { allowed: false, role: role, action: action, reason: '' };
  if (!isRole(role)) {
    d.reason = 'unknown role ' + role;
    return d;
  }
  const r = row(action);
  if (r === undefined) {
    d.reason = 'unknown action ' + action;
    return d;
  }
  if (!has(r.roles as string[], role)) {
    d.reason = 'role ' + role + ' may not ' + action + ' (allowed: ' + r.roles.join(', ') + ')';
    return d;
  }
  const remote = ctx.remote === true || has(REMOTE_ROLES, role as Role);
  if (action === 'safety-reset' && remote) {
    d.reason = 'safety: a trip is reset at the meter, never remotely';
    return d;
  }
  if (ctx.tripped === true && has(CLOSES_SUPPLY, action as Action) && remote) {
    d.reason = 'safety: a trip holds the relay open; reset it at the meter';
    return d;
  }
  if (role === 'guest') {
    const scope = ctx.scope;
    if (scope === undefined || !has(scope, action)) {
      d.reason = 'out of scope: the guest pass allows ' + (scope === undefined || scope.length === 0 ? 'nothing' : scope.join(', '));
      return d;
    }
  }
  d.allowed = true;
  d.reason = 'ok';
  return d;
}
