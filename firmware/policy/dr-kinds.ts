// The demand-response order's kinds and sizes (docs/POLICY.md "Demand-response orders"),
// apart from its parser and guard (./dr-order.ts) so that HomeEnergy and the PC link, which
// every control-unit build carries, do not pull the verifier's code into a build that takes
// no orders (the Espruino control unit's variable budget, tools/bench/cu-espruino.ts).
export const DR_VERSION = 1;
export const DR_LIMIT = 1;
export const DR_SHED = 2;
export const DR_CANCEL = 3;
export const DR_KINDS = ['', 'limit', 'shed', 'cancel'];
/** bytes before the relay list */
export const DR_HEAD = 37;
export const DR_MAX_RELAYS = 8;
export const DR_SIG = 64;
export const DR_MAX_BYTES = DR_HEAD + DR_MAX_RELAYS + DR_SIG;

export interface DrOrder {
  kind: number;
  /** the home's pseudonym, 16 lower-case hex digits */
  home: string;
  seq: number;
  provisionedAt: number;
  notBefore: number;
  startS: number;
  endS: number;
  orderId: number;
  limitW: number;
  /** node ids whose load relays the order opens */
  relays: number[];
}
