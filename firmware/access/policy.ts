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
//
// Channels. A row's `roles` say who may do an action at all. The PC link (the control
// unit's USB line to the gateway, firmware/control/pc-link.ts) is a channel on which the PC
// *asserts* a role (the gateway logged its user in): a row's `pcLink` cells say which of
// those asserted roles may ask for the action there, always a subset of `roles` (tested).
// The PC link asks `may(role, action, 'pc-link')`, the same predicate the console asks.

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
  /** change a threshold the utility set with a signed limit (a daily cap, a power limit), or factory-reset over one */
  | 'configure-utility-limit'
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
  | 'read-access-log'
  /** hand authority-signed command bytes to a node (the node verifies the signature) */
  | 'signed-command'
  /** enter a guest code: opens a guest session for that pass */
  | 'guest-login'
  /** set the control unit's wall clock (guest codes and pass expiries run on it) */
  | 'set-clock'
  /** hand the utility's signed demand-response order to the control unit (the unit verifies the signature) */
  | 'demand-response';

/** Where a request comes from: `any` (the table's `roles`) or the PC link (its `pcLink` cells). */
export type Channel = 'any' | 'pc-link';
/** The roles a PC may assert on the PC link (no serial port or button is at the PC's end). */
export const PC_LINK_ROLES: Role[] = ['household', 'guest', 'technician', 'utility'];

interface Row {
  action: Action;
  roles: Role[];
  why: string;
  /** the asserted roles that may ask for it over the PC link (a subset of roles; [] = not offered there) */
  pcLink: Role[];
  /** why the PC-link cells differ from `roles`, where they do */
  pcWhy?: string;
}

const PC_ALL: Role[] = ['household', 'guest', 'technician', 'utility'];
// over the PC link the utility proves nothing but its signature: it reads, and carries signed bytes
const UTILITY_BY_SIGNATURE = 'over the PC link the utility is only an assertion: it acts through signed-command, whose signature the node verifies';

const TABLE: Row[] = [
  { action: 'read', roles: ['serial', 'guest', 'button', 'household', 'technician', 'utility'], why: 'nothing secret is shown', pcLink: PC_ALL },
  {
    action: 'relay-off',
    roles: ['serial', 'guest', 'button', 'household', 'technician', 'utility'],
    why: 'opening is the safe direction',
    pcLink: ['household', 'guest', 'technician'],
    pcWhy: UTILITY_BY_SIGNATURE,
  },
  {
    action: 'relay-on',
    roles: ['serial', 'guest', 'button', 'household', 'technician', 'utility'],
    why: "the household's own switch; never over a trip",
    pcLink: ['household', 'technician'],
    pcWhy: 'a guest pass issued over the PC link opens, never closes (its scopes: read, relay-off); ' + UTILITY_BY_SIGNATURE,
  },
  {
    action: 'relay-on-utility-hold',
    roles: ['technician', 'utility'],
    why: 'a disconnect for non-payment is not undone by whoever reaches the port, the button or the house',
    pcLink: [],
    pcWhy: 'the signed reconnect is a signed-command',
  },
  { action: 'safety-reset', roles: ['button', 'technician'], why: 'a breaker is reset at the breaker: never remotely, by anyone', pcLink: [] },
  {
    action: 'configure',
    roles: ['button', 'technician'],
    why: 'protection settings are changed at the meter; the utility uses signed limit commands',
    pcLink: [],
  },
  {
    action: 'configure-utility-limit',
    roles: ['technician', 'utility'],
    why: 'a limit the utility set with a signed command is not lifted by whoever reaches the button; the utility (signed) or its field staff (PIN) change it',
    pcLink: [],
    pcWhy: 'the utility changes its limits with a signed-command',
  },
  { action: 'restart', roles: ['serial', 'button', 'household', 'technician'], why: 'restarting keeps every latch and hold', pcLink: [] },
  { action: 'issue-guest-pass', roles: ['household'], why: 'the household decides who comes in', pcLink: ['household'] },
  {
    action: 'enrol-finger',
    roles: ['button', 'household', 'technician'],
    why: 'the first finger is enrolled with the button at the unit; then a household member vouches',
    pcLink: ['household'],
    pcWhy: 'over the PC link only the household: the finger is still put on at the unit, twice',
  },
  {
    action: 'delete-finger',
    roles: ['household', 'technician'],
    why: 'removing a member is the household’s (or the installer’s) act',
    pcLink: ['household'],
    pcWhy: 'over the PC link only the household: a technician removes members at the unit, with the PIN',
  },
  {
    action: 'confirm-rekey',
    roles: ['button', 'technician'],
    why: 'a new key is confirmed by someone at the unit, never by the side that sent it',
    pcLink: [],
  },
  {
    action: 'disconnect',
    roles: ['utility'],
    why: 'the supply contract is the utility’s; the household opens its own relays with relay-off',
    pcLink: [],
    pcWhy: 'the signed disconnect is a signed-command',
  },
  {
    action: 'read-access-log',
    roles: ['household', 'technician'],
    why: 'who came and went is the household’s business (and the installer’s when asked)',
    pcLink: [],
  },
  {
    action: 'signed-command',
    roles: ['utility'],
    why: 'the bytes carry the authority signature; the node verifies it, the control unit and the PC only carry them',
    pcLink: ['utility'],
  },
  { action: 'guest-login', roles: ['guest'], why: 'a guest code opens a guest session for its pass', pcLink: ['guest'] },
  {
    action: 'set-clock',
    roles: ['household', 'technician'],
    why: 'guest codes and pass expiries run on this clock: a guest who set it could revive an expired pass',
    pcLink: ['household', 'technician'],
    pcWhy: 'the household PC sets it hourly (tools/gateway); the utility has no time command: its signed commands carry their own validity window',
  },
  {
    action: 'demand-response',
    roles: ['utility'],
    why: 'the bytes carry the utility authority signature, which the control unit verifies; the asserted role only carries them, and the order ranks below safety (docs/POLICY.md)',
    pcLink: ['utility'],
  },
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

function cells(r: Row, via: Channel | undefined): Role[] {
  return via === 'pc-link' ? r.pcLink : r.roles;
}

/**
 * The table cell: may `role` do `action` (on channel `via`, default any)? Unknown roles,
 * actions and channels are refused. The one predicate: the console, the access module and
 * the PC link all ask it.
 */
export function may(role: string, action: string, via?: Channel): boolean {
  if (via !== undefined && via !== 'any' && via !== 'pc-link') return false;
  const r = row(action);
  return r !== undefined && has(cells(r, via) as string[], role);
}

/** The roles allowed an action (on channel `via`), for error replies and docs. */
export function rolesFor(action: string, via?: Channel): Role[] {
  const r = row(action);
  return r === undefined ? [] : cells(r, via).slice();
}

/** The actions a guest pass may allow on channel `via` (guest cells, but not the login itself). */
export function guestScopes(via?: Channel): Action[] {
  const out: Action[] = [];
  for (let i = 0; i < TABLE.length; i++) if (TABLE[i].action !== 'guest-login' && has(cells(TABLE[i], via), 'guest')) out.push(TABLE[i].action);
  return out;
}

/** The whole table (docs, tests, the PC link's "who may" answer). */
export function policyTable(): { action: Action; roles: Role[]; why: string; pcLink: Role[]; pcWhy: string }[] {
  const out: { action: Action; roles: Role[]; why: string; pcLink: Role[]; pcWhy: string }[] = [];
  for (let i = 0; i < TABLE.length; i++) {
    const r = TABLE[i];
    out.push({ action: r.action, roles: r.roles.slice(), why: r.why, pcLink: r.pcLink.slice(), pcWhy: r.pcWhy === undefined ? '' : r.pcWhy });
  }
  return out;
}

export interface RequestContext {
  /** a safety trip or lockout holds the relay open now */
  tripped?: boolean;
  /** the request came from away from the meter (control unit, PC link, radio) */
  remote?: boolean;
  /** a guest's pass scope: the actions the pass allows */
  scope?: string[];
  /** the channel the request came on (default any); 'pc-link' uses the table's PC-link cells */
  via?: Channel;
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
  if (!may(role, action, ctx.via)) {
    d.reason = 'role ' + role + ' may not ' + action + (ctx.via === 'pc-link' ? ' over the PC link' : '') + ' (allowed: ' + cells(r, ctx.via).join(', ') + ')';
    return d;
  }
  const remote = ctx.remote === true || ctx.via === 'pc-link' || has(REMOTE_ROLES, role as Role);
  if (action === 'safety-reset' && remote) {
    d.reason = 'safety: a trip is reset at the meter, never remotely';
    return d;
  }
  if (ctx.tripped === true && has(CLOSES_SUPPLY, action as Action) && remote) {
    d.reason = 'safety: a trip holds the relay open; reset it at the meter';
    return d;
  }
  // the login is what every pass is for; everything after it is limited by the pass's scope
  if (role === 'guest' && action !== 'guest-login') {
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
