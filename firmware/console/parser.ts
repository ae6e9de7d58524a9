// Tasmota-style command syntax: `Command<index> <value>`. No value reads; a value writes.
// `;` chains commands, and a leading `Backlog` is accepted (Tasmota's name for a chain).
// Tolerated: any case, missing or extra spaces (`VoltageHigh264`, `Relay1on`,
// `  Relay1   on `), `=` instead of a space. Written without RegExp (Espruino subset).

/** Tasmota caps a backlog at 30 (MAX_BACKLOG); a node console needs far fewer. */
export const MAX_COMMANDS_PER_LINE = 16;

export interface SplitLine {
  commands: string[];
  /** true when the line holds more than MAX_COMMANDS_PER_LINE commands */
  tooMany: boolean;
}

export function isLetter(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}
export function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

export function trim(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && s.charCodeAt(a) === 32) a++;
  while (b > a && s.charCodeAt(b - 1) === 32) b--;
  return s.substring(a, b);
}

/** Split a console line into commands; empty pieces are dropped. A leading `Backlog`
 *  (or Tasmota's `Backlog0`) is dropped from every piece, so a chain means the same as
 *  its commands sent one per line. */
export function splitLine(line: string): SplitLine {
  const pieces = line.split(';');
  const commands: string[] = [];
  for (let i = 0; i < pieces.length; i++) {
    const p = stripBacklog(trim(pieces[i]));
    if (p !== '') commands.push(p);
  }
  return { commands: commands, tooMany: commands.length > MAX_COMMANDS_PER_LINE };
}

function stripBacklog(p: string): string {
  if (p.substring(0, 7).toLowerCase() !== 'backlog') return p;
  let i = 7;
  while (i < p.length && isDigit(p.charCodeAt(i))) i++;
  if (i < p.length && isLetter(p.charCodeAt(i))) return p; // e.g. BacklogStatus is a name
  return stripBacklog(trim(p.substring(i)));
}

export interface CallParts {
  /** leading letters as typed */
  name: string;
  /** digits straight after the name ('' if none) */
  digits: string;
  /** everything after name and digits, trimmed, with one leading '=' removed */
  rest: string;
  /** everything after the name, untouched */
  tail: string;
}

export function splitCall(text: string): CallParts {
  let i = 0;
  while (i < text.length && isLetter(text.charCodeAt(i))) i++;
  const name = text.substring(0, i);
  let j = i;
  while (j < text.length && isDigit(text.charCodeAt(j))) j++;
  return { name: name, digits: text.substring(i, j), rest: cleanValue(text.substring(j)), tail: text.substring(i) };
}

/** Value text of a command that takes no index: everything after the name. */
export function valueAfterName(parts: CallParts): string {
  return cleanValue(parts.tail);
}

function cleanValue(s: string): string {
  let v = trim(s);
  if (v.charAt(0) === '=') v = trim(v.substring(1));
  return v;
}

/**
 * Strict decimal: optional sign, digits, optional fraction. Rejects '', '.', exponents,
 * hex, 'Infinity', 'NaN' and more than 20 characters, so no surprise value is accepted.
 */
export function parseNumber(s: string): number | undefined {
  if (s.length === 0 || s.length > 20) return undefined;
  let i = 0;
  const first = s.charCodeAt(0);
  if (first === 45 || first === 43) i = 1;
  let digits = 0;
  let dots = 0;
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (isDigit(c)) digits++;
    else if (c === 46 && dots === 0) dots++;
    else return undefined;
  }
  if (digits === 0) return undefined;
  const v = parseFloat(s);
  return isFinite(v) ? v : undefined;
}

/** ON/OFF words for relays (Tasmota also accepts 1/0 and true/false). */
export function parseOnOff(s: string): boolean | undefined {
  const v = s.toLowerCase();
  if (v === 'on' || v === '1' || v === 'true') return true;
  if (v === 'off' || v === '0' || v === 'false') return false;
  return undefined;
}
