// The meter node's flash records, by key: one list, so a new record cannot be forgotten by
// the factory reset, and the control unit's and the tools' keys are not guessed. Each key
// holds two slots, `<key>.a` and `<key>.b` (records.ts). Keys stay short: the Moddable
// Preference key is limited to 32 bytes (modules/files/preference).
export const RECORD = {
  /** import/export energy registers (firmware/app/memory.ts) */
  energy: 'meter.energy',
  /** a latched trip or the utility's disconnect, kept across power cuts */
  latch: 'prot.latch',
  calibration: 'meter.cal',
  settings: 'prot.settings',
  /** which settings the utility set with a signed limit (firmware/app/meter-node.ts) */
  utilityLimits: 'prot.ulimits',
  trips: 'prot.trips',
  /** the technician PIN, and its failed-attempt count (firmware/app/console-target.ts) */
  consolePin: 'console.pin',
  consolePinFailures: 'console.pinfail',
  /** link keys, the node's identity, the provisioning epoch (firmware/link/keys.ts) */
  linkKeys: 'link.keys',
  linkId: 'link.id',
  linkProvisioned: 'link.prov',
  /** the uplink frame counter and the downlink replay window (firmware/app/node-link.ts) */
  linkCounterUp: 'link.ctr.up',
  linkReplayDown: 'link.rx.down',
};

/** What a factory reset erases: settings (with the utility's marks on them), calibration, keys
 *  and the PIN. Energy registers (billing) and a latched trip stay, and so do the counters (a
 *  reused counter is a replay). */
export const FACTORY_RECORDS = [
  RECORD.settings,
  RECORD.utilityLimits,
  RECORD.calibration,
  RECORD.linkKeys,
  RECORD.linkId,
  RECORD.consolePin,
  RECORD.consolePinFailures,
];

/** The control unit's own records (its per-node replay windows and keys: control/node-table.ts). */
export const CU_RECORD = {
  /** + node id: the highest import register heard from the node (control/anomaly.ts) */
  energyMark: 'cu.wh.',
};
