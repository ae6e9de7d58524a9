// The telemetry status flags (u16, docs/LINK.md "Telemetry flags") by name, for text that
// people read: `flags 0x41` says less than `closed, gas-sensor-not-ok`.
import {
  FLAG_CLOSED,
  FLAG_GAS_FAULT,
  FLAG_MANUAL_OPEN,
  FLAG_RECLOSING,
  FLAG_REKEY_PENDING,
  FLAG_SAFETY_OPEN,
  FLAG_SECURITY,
  FLAG_TEMP_FAULT,
} from '../../firmware/app/node-link';

/** bit -> name; the gas bit is also set while the MQ-6 warms (180 s after boot) */
export const TELEMETRY_FLAGS: [number, string][] = [
  [FLAG_CLOSED, 'closed'],
  [FLAG_SAFETY_OPEN, 'open-by-protection'],
  [FLAG_RECLOSING, 'reclosing'],
  [FLAG_REKEY_PENDING, 'rekey-pending'],
  [FLAG_SECURITY, 'security-unreported'],
  [FLAG_TEMP_FAULT, 'temp-sensor-not-ok'],
  [FLAG_GAS_FAULT, 'gas-sensor-not-ok'],
  [FLAG_MANUAL_OPEN, 'opened-by-command'],
];

/** e.g. 0x41 -> 'closed, gas-sensor-not-ok'; unknown bits as hex; 0 -> 'none' */
export function flagNames(flags: number): string {
  const out: string[] = [];
  let rest = flags;
  for (const [bit, name] of TELEMETRY_FLAGS) {
    if ((flags & bit) !== 0) out.push(name);
    rest &= ~bit;
  }
  if (rest !== 0) out.push(`0x${rest.toString(16)}`);
  return out.length === 0 ? 'none' : out.join(', ');
}
