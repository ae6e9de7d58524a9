// Energy Today / Yesterday / Total from the node's import register (Wh), Tasmota-like.
// The day baseline lives in the broker (retained stat/<topic>/ENERGYDAY), not in the
// gateway: a restarted gateway, or another one sharing the load, reads it back.
// A register that is missing or goes backwards (a node replaced, a bad frame) is never
// published as a total: HA would count the drop and the return as new consumption.
export interface DayRecord { date: string; startWh: number; yesterdayWh: number; lastWh: number }

export function localDate(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

export type EnergyUpdate =
  | { ok: true; day: DayRecord; changedDay: boolean; totalKWh: number; todayKWh: number; yesterdayKWh: number }
  | { ok: false; why: string };

/** The next day record for a reading of `wh` at `now` (prev: the retained record, if any). */
export function energyUpdate(prev: DayRecord | undefined, wh: number | null, now: Date): EnergyUpdate {
  if (wh === null || !Number.isFinite(wh) || wh < 0) return { ok: false, why: 'energy register missing' };
  const date = localDate(now);
  if (prev !== undefined && wh < prev.lastWh) return { ok: false, why: `energy register went back from ${prev.lastWh} Wh to ${wh} Wh` };
  let day: DayRecord;
  let changedDay = false;
  if (prev === undefined) {
    day = { date, startWh: wh, yesterdayWh: 0, lastWh: wh };
    changedDay = true;
  } else if (prev.date !== date) {
    // yesterday = what the register gained on the previous recorded day (through the last reading of it)
    day = { date, startWh: prev.lastWh, yesterdayWh: prev.lastWh - prev.startWh, lastWh: wh };
    changedDay = true;
  } else day = { ...prev, lastWh: wh };
  const k = (x: number) => Math.round(x) / 1000;
  return { ok: true, day, changedDay, totalKWh: k(wh), todayKWh: k(wh - day.startWh), yesterdayKWh: k(day.yesterdayWh) };
}
