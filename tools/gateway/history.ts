// History in SQLite (better-sqlite3 12.9.0). Why this package: SQLite is a real embedded
// database (crash-safe journal, one file, no server); better-sqlite3 is synchronous (one
// statement is one call, no callback queue between a reading and its row), the fastest
// Node binding, ships prebuilt binaries for current Node and builds from source with
// node-gyp when none fits (package.json allowScripts) - so a fresh machine needs only the
// registry and a C++ toolchain. node:sqlite is still experimental in Node 22 and absent in
// Node 20 (our engines field).
//
// Durability: WAL journal with synchronous=NORMAL. Each message is its own transaction,
// committed before the next one is read: after a kill -9 (the process dies, the OS does
// not) every committed transaction is in the WAL and the file is consistent (SQLite docs,
// "WAL mode": NORMAL is durable across application crashes; only a power loss can roll
// back the last transactions, never corrupt the file). host-tests/gateway-history.test.ts
// kills a writer mid-write and checks both.
//
// Readings are downsampled on insert into three resolutions (averages per bucket, the
// energy register's last value): 1 s kept 2 days, 1 min kept 35 days, 15 min kept 2 years.
// The unit's energy state (real vs visible load, battery power, SoC): one row per `energy`
// line (every 10..3600 s, 60 s by default), kept 35 days, averaged per bucket on reading.
// Trips, alarms and access records: at most EVENT_ROWS each, and 2 years. Pruned every
// PRUNE_EVERY inserts, so the file stops growing.
import Database from 'better-sqlite3';
import type { Database as Db, Statement } from 'better-sqlite3';
import type { AccessMsg, AlarmMsg, EnergyMsg, ReadingMsg, TripMsg } from './lines';

export const RESOLUTIONS = [1, 60, 900];
export const RETENTION_S: Record<number, number> = { 1: 2 * 86400, 60: 35 * 86400, 900: 730 * 86400 };
export const EVENT_ROWS = 100_000;
export const ENERGY_RETENTION_S = 35 * 86400;
const PRUNE_EVERY = 5000;
const FIELDS = ['v', 'i', 'p', 'pf', 't', 'gas'] as const;

export interface Series {
  res: number;
  ts: number[];
  v: (number | null)[];
  i: (number | null)[];
  p: (number | null)[];
  pf: (number | null)[];
  t: (number | null)[];
  gas: (number | null)[];
  e: (number | null)[];
}

export interface EnergySeries {
  bucketS: number;
  ts: number[];
  real: (number | null)[];
  visible: (number | null)[];
  battery: (number | null)[];
  soc: (number | null)[];
}

export class History {
  readonly db: Db;
  private readonly upsert: Statement;
  private readonly insTrip: Statement;
  private readonly insAlarm: Statement;
  private readonly insAccess: Statement;
  private readonly insEnergy: Statement;
  private inserts = 0;
  rows = 0;

  constructor(file: string) {
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 2000');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS readings (res INTEGER NOT NULL, node INTEGER NOT NULL, ts INTEGER NOT NULL, n INTEGER NOT NULL,
        v REAL, i REAL, p REAL, pf REAL, t REAL, gas REAL, e REAL, PRIMARY KEY (res, node, ts)) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS trips (id INTEGER PRIMARY KEY, ts INTEGER NOT NULL, node INTEGER NOT NULL, seq INTEGER, state TEXT, reason TEXT);
      CREATE TABLE IF NOT EXISTS alarms (id INTEGER PRIMARY KEY, ts INTEGER NOT NULL, node INTEGER NOT NULL, kind TEXT, detail TEXT);
      CREATE TABLE IF NOT EXISTS access (id INTEGER PRIMARY KEY, ts INTEGER NOT NULL, seq INTEGER, kind TEXT, who TEXT, detail TEXT);
      CREATE TABLE IF NOT EXISTS energy (ts INTEGER PRIMARY KEY, real REAL, visible REAL, battery REAL, soc REAL);
    `);
    // a running average per bucket; a missing value (sensor fault) does not drag it to 0
    const avg = (f: string) =>
      `${f} = CASE WHEN excluded.${f} IS NULL THEN ${f} WHEN ${f} IS NULL THEN excluded.${f} ELSE (${f} * n + excluded.${f}) / (n + 1) END`;
    this.upsert = this.db.prepare(`INSERT INTO readings (res, node, ts, n, v, i, p, pf, t, gas, e) VALUES (?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (res, node, ts) DO UPDATE SET ${FIELDS.map(avg).join(', ')}, e = coalesce(excluded.e, e), n = n + 1`);
    this.insTrip = this.db.prepare('INSERT INTO trips (ts, node, seq, state, reason) VALUES (?, ?, ?, ?, ?)');
    this.insAlarm = this.db.prepare('INSERT INTO alarms (ts, node, kind, detail) VALUES (?, ?, ?, ?)');
    this.insAccess = this.db.prepare('INSERT INTO access (ts, seq, kind, who, detail) VALUES (?, ?, ?, ?, ?)');
    // two lines in one second (a unit restart): the later one stands
    this.insEnergy = this.db.prepare('INSERT OR REPLACE INTO energy (ts, real, visible, battery, soc) VALUES (?, ?, ?, ?, ?)');
  }

  /** one reading at wall time `ms`: one transaction, three resolutions */
  reading(m: ReadingMsg, ms: number): void {
    const s = Math.floor(ms / 1000);
    this.db.transaction(() => {
      for (const r of RESOLUTIONS) this.upsert.run(r, m.node, s - (s % r), m.V, m.I, m.P, m.PF, m.T, m.gas, m.E);
    })();
    this.rows++;
    this.tick(ms);
  }

  trip(m: TripMsg, ms: number): void {
    this.insTrip.run(ms, m.node, m.seq, m.state, m.reason);
    this.tick(ms);
  }

  alarm(m: AlarmMsg, ms: number): void {
    this.insAlarm.run(ms, m.node, m.kind, m.detail);
    this.tick(ms);
  }

  access(m: AccessMsg, ms: number): void {
    this.insAccess.run(ms, m.seq, m.kind, m.who, m.detail);
    this.tick(ms);
  }

  /** the unit's energy state at wall time `ms` (SoC stored as a fraction, as the line has it) */
  energy(m: EnergyMsg, ms: number): void {
    this.insEnergy.run(Math.floor(ms / 1000), m.realW, m.visibleW, m.batteryW, m.soc);
    this.tick(ms);
  }

  /** real vs visible load, battery and SoC over [fromS, toS], averaged in buckets so a chart stays under ~2000 points */
  energySeries(fromS: number, toS: number): EnergySeries {
    const b = Math.max(1, Math.ceil((toS - fromS) / 2000));
    const rows = this.db
      .prepare(
        'SELECT ts - ts % ? AS b, avg(real) AS real, avg(visible) AS visible, avg(battery) AS battery, avg(soc) AS soc FROM energy WHERE ts >= ? AND ts <= ? GROUP BY b ORDER BY b',
      )
      .all(b, fromS, toS) as Record<string, number | null>[];
    const out: EnergySeries = { bucketS: b, ts: [], real: [], visible: [], battery: [], soc: [] };
    const r1 = (v: number | null) => (v === null ? null : Math.round(v * 10) / 10);
    for (const r of rows) {
      out.ts.push(r.b as number);
      out.real.push(r1(r.real));
      out.visible.push(r1(r.visible));
      out.battery.push(r1(r.battery));
      out.soc.push(r.soc === null ? null : Math.round(r.soc * 1000) / 10);
    }
    return out;
  }

  private tick(ms: number): void {
    if (++this.inserts % PRUNE_EVERY === 0) this.prune(ms);
  }

  /** drop what is past its retention (also called by tests) */
  prune(nowMs: number): void {
    const s = Math.floor(nowMs / 1000);
    this.db.transaction(() => {
      for (const r of RESOLUTIONS) this.db.prepare('DELETE FROM readings WHERE res = ? AND ts < ?').run(r, s - RETENTION_S[r]);
      this.db.prepare('DELETE FROM energy WHERE ts < ?').run(s - ENERGY_RETENTION_S);
      for (const tbl of ['trips', 'alarms', 'access']) {
        this.db.prepare(`DELETE FROM ${tbl} WHERE ts < ?`).run(nowMs - 730 * 86400_000);
        this.db.prepare(`DELETE FROM ${tbl} WHERE id <= (SELECT max(id) FROM ${tbl}) - ?`).run(EVENT_ROWS);
      }
    })();
  }

  /** The finest resolution that keeps a chart of [fromS, toS] under ~4000 points. */
  static resolutionFor(spanS: number): number {
    for (const r of RESOLUTIONS) if (spanS / r <= 4000) return r;
    return RESOLUTIONS[RESOLUTIONS.length - 1];
  }

  series(node: number, fromS: number, toS: number): Series {
    const res = History.resolutionFor(toS - fromS);
    const rows = this.db
      .prepare('SELECT ts, v, i, p, pf, t, gas, e FROM readings WHERE res = ? AND node = ? AND ts >= ? AND ts <= ? ORDER BY ts')
      .all(res, node, fromS, toS) as Record<string, number | null>[];
    const out: Series = { res, ts: [], v: [], i: [], p: [], pf: [], t: [], gas: [], e: [] };
    for (const r of rows) {
      out.ts.push(r.ts as number);
      for (const f of [...FIELDS, 'e'] as const) out[f].push(r[f] === null ? null : Math.round((r[f] as number) * 1000) / 1000);
    }
    return out;
  }

  events(table: 'trips' | 'alarms' | 'access', limit = 50): Record<string, unknown>[] {
    return this.db.prepare(`SELECT * FROM ${table} ORDER BY id DESC LIMIT ?`).all(limit) as Record<string, unknown>[];
  }

  count(res: number): number {
    return (this.db.prepare('SELECT count(*) AS c FROM readings WHERE res = ?').get(res) as { c: number }).c;
  }

  close(): void {
    this.db.close();
  }
}
