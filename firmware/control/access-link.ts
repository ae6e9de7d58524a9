// The one glue between the PC link (pc-link.ts) and the access module (firmware/access):
// every composition of the control unit (the board's, firmware/app/start-control-unit.ts,
// and the simulated home's, tools/home/home.ts) wires the two through this, so a guest
// code typed on the PC is judged the same way everywhere.
//
//   guestCheck      PcLinkPorts.guestCheck: the guest's code -> Access.guestCheck
//   issueGuestPass  PcLinkPorts.issueGuestPass: the household's request -> Access.issuePass
//   clockPorts      PcLinkPorts.setTime: the PC link's `time` -> Access.setClock (WallClock)
//   accessRecord    an access-log entry -> the PC link's `access` line
//
// Guest codes on the PC link: "<pass>-<digits>", "<pass> <digits>", or the pass number
// followed directly by the 6 digits ("3492039" = pass 3, code 492039), since the web page
// takes letters and digits only. The pass number is 1..255 (guest.ts), the code the TOTP
// of RFC 6238 (6 digits, 30 s). PC-link actions are policy actions (firmware/access/policy.ts):
// `guest-login` is one, outside any pass's scope.
//
// The PC at the end of the cable is the household's machine (pc-link.ts): a `guest-pass`
// request with role household is issued on that credential, named "pc-link" in the access
// log. The reply's `code` is the pass number and its current code, for the guest to use
// at once (valid one step either side, guest.ts); its `uri` is the pass's otpauth:// URI
// (the base32 secret) for an authenticator app.
import type { Access } from '../access/access';
import type { LogEntry } from '../access/access-log';
import { base32Decode, totp, TOTP_DEFAULTS } from '../access/otp';
import type { WallClock } from '../access/wall-clock';
import type { AccessRecord, PcAction, PcLinkPorts, PcRole } from './pc-link';

const DIGITS = TOTP_DEFAULTS.digits;

function allDigits(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** "<pass><digits>" -> "<pass>-<digits>"; other forms pass through for Access to judge. */
export function splitGuestCode(code: string): string {
  if (code.indexOf('-') >= 0 || code.indexOf(' ') >= 0) return code;
  if (allDigits(code) && code.length > DIGITS) return code.substring(0, code.length - DIGITS) + '-' + code.substring(code.length - DIGITS);
  return code;
}

/** A PC-link guest scope as policy actions: a pass that may open relays may also read. */
export function issueScope(scope: string): string[] {
  if (scope === 'relay-off') return ['read', 'relay-off'];
  return [scope];
}

export interface AccessPortsOptions {
  /** Unix seconds from the unit's time sync (the same function Access got) */
  wallS: () => number | undefined;
}

/**
 * The PcLinkPorts members the access module answers.
 *
 * A guest-login always spends a fresh code (a used one is refused as replayed). The code
 * a guest logged in with then stands for that guest session (Access: 5 min) on the guest's
 * other commands: the web page sends it with each relay request, and a second code per
 * click would be refused as replayed. Within the session the command is judged by the
 * policy and the pass's scope (Access.request); after it, the code is spent.
 */
export function accessPorts(access: Access, o: AccessPortsOptions): Pick<PcLinkPorts, 'guestCheck' | 'issueGuestPass'> {
  // pass number -> the code its open session was started with
  const session: { [pass: string]: string } = {};
  return {
    guestCheck: function (code: string, action: PcAction): string {
      const c = splitGuestCode(code);
      const cut = c.indexOf('-');
      const pass = cut > 0 ? c.substring(0, cut) : '';
      if (action !== 'guest-login' && pass !== '' && session[pass] === c) {
        const d = access.request('guest', action, { passId: Number(pass), remote: true });
        if (d.allowed) return '';
        if (d.reason.indexOf('no guest session') !== 0) return d.reason;
        delete session[pass];
      }
      const why = access.guestCheck(c, action);
      if (why === '' && pass !== '') session[pass] = c;
      return why;
    },
    issueGuestPass: function (scope: string, uses: number, minutes: number): { code: string; pass: number; uri: string } | string {
      const r = access.issuePass('household', minutes * 60, uses, issueScope(scope), 'pc-link');
      if (!r.ok) return 'guest-pass: ' + r.error;
      const now = o.wallS();
      const key = base32Decode(r.secret);
      // issue() refuses without a clock, so `now` is set here
      if (key === undefined || now === undefined) return 'guest-pass: internal: the new pass has no readable key';
      // the URI carries the secret: the household's PC shows it once (a QR code) to the guest;
      // the access log never holds it
      return { code: String(r.pass.id) + totp(key, now, TOTP_DEFAULTS), pass: r.pass.id, uri: r.uri };
    },
  };
}

/**
 * The PC link's `time` command on the unit's wall clock: Access.setClock (the policy, the
 * step bound, one hash-chained access-log record per set, refused ones too).
 */
export function clockPorts(access: Access, wall: WallClock): Pick<PcLinkPorts, 'setTime'> {
  return {
    setTime: function (unixS: number, force: boolean, role: PcRole): { unix: number; step: number | null } | string {
      const r = access.setClock(wall, role, unixS, force, 'pc-link');
      if (typeof r === 'string') return r;
      return { unix: r.toS, step: r.fromS === undefined ? null : r.stepS };
    },
  };
}

/** An access-log entry as the PC link's `access` record. */
export function accessRecord(e: LogEntry, tUs: number): AccessRecord {
  let who = '';
  const sp = e.text.indexOf(' ');
  if (e.kind === 'action' || e.kind === 'action-refused') who = sp > 0 ? e.text.substring(0, sp) : e.text;
  return { tUs: Math.round(tUs), seq: e.index, kind: e.kind, who: who, detail: e.text };
}
