// What crosses between the engines of the cross-engine proof (cross-engine.ts): frames as they
// were put on the air, and the step commands and replies. Portable (it is bundled into XS and
// into Espruino): plain objects, hex strings, no Node built-ins.
import type { AirFrame, Transmission } from '../../../hal/sim/radio-medium';
import { hex, unhex } from '../link-e2e';

/** the station id a frame from the other engine carries on the local air */
export const REMOTE = 'remote';

/** A transmission: start and end (µs, the sender's virtual clock = the receiver's), channel, address, payload, ESB fields. */
export interface WireFrame {
  s: number;
  e: number;
  ch: number;
  a: string;
  p: string;
  pid: number;
  noAck: boolean;
  ack: boolean;
}

export function toWire(t: Transmission): WireFrame {
  return { s: t.startUs, e: t.endUs, ch: t.channel, a: hex(t.address), p: hex(t.payload), pid: t.pid, noAck: t.noAck, ack: t.isAck };
}

export function fromWire(f: WireFrame): AirFrame {
  return { channel: f.ch, address: unhex(f.a), payload: unhex(f.p), pid: f.pid, noAck: f.noAck, isAck: f.ack };
}

/** Run until `target` (µs, inclusive), after putting `frames` on the local air. */
export interface StepCommand {
  target: number;
  frames: WireFrame[];
}

/**
 * The unit's step: also lines for its PC link (USB serial), written at `pcAt` (µs). Like the
 * fault below, an outside event is placed no earlier than where BOTH sides are, so the other
 * side has not run past its consequences.
 */
export interface UnitStep extends StepCommand {
  pc: string[];
  pcAt: number;
}

/** The node's step: also a comparator edge (a short circuit) at `faultAt` (µs; -1: none). */
export interface NodeStep extends StepCommand {
  faultAt: number;
}

export interface StepReply {
  /** the time reached (µs): the target, or where the local chip started a transmission */
  t: number;
  /** the next pending event (µs): the side does nothing on its own before it */
  next: number;
  /** transmissions the local chip started in this step */
  frames: WireFrame[];
  /** the unit's new PC-link lines (the node: none) */
  lines: string[];
  /** frames that came in ending at or before the time already reached: a causality error (0 expected) */
  late: number;
}
