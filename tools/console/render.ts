// How the console client shows a reply to a person. The node always answers one JSON line
// (docs/CONSOLE.md: scripts count and parse them; `--json` prints them as they came); a
// person reading `Help` or `Settings` wants an aligned table instead of ~160 lines of
// indented JSON. Replies without a table form are shown as indented JSON.

type Row = string[];

/** Columns padded to their widest cell; the last column is not padded. */
export function alignRows(rows: Row[]): string[] {
  const width: number[] = [];
  for (const r of rows) r.forEach((c, k) => (width[k] = Math.max(width[k] ?? 0, c.length)));
  return rows.map((r) =>
    r
      .map((c, k) => (k === r.length - 1 ? c : c.padEnd(width[k])))
      .join('  ')
      .trimEnd(),
  );
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function num(v: unknown): string {
  return typeof v === 'number' ? String(v) : v === null || v === undefined ? '-' : String(v);
}

/** {"Settings": {Name: {Value, Unit, Min, Max, Sensitive}}} -> name, value, unit, range */
function settingsTable(s: Record<string, unknown>): string | undefined {
  const rows: Row[] = [['setting', 'value', 'unit', 'range']];
  let sensitive = 0;
  for (const [name, v] of Object.entries(s)) {
    if (!isRecord(v) || !('Value' in v) || !('Min' in v) || !('Max' in v)) return undefined;
    if (v.Sensitive === true) sensitive++;
    rows.push([name + (v.Sensitive === true ? ' *' : ''), num(v.Value), typeof v.Unit === 'string' ? v.Unit : '', `${num(v.Min)}..${num(v.Max)}`]);
  }
  const out = alignRows(rows);
  if (sensitive > 0) out.push('', '* a change needs Login <PIN> or the board button');
  return out.join('\n');
}

/** {"Help": {Name: "one line"}} or {"Sim": {Name: "one line"}} -> two aligned columns */
function listTable(list: Record<string, unknown>, footer: string): string | undefined {
  const rows: Row[] = [];
  for (const [name, about] of Object.entries(list)) {
    if (typeof about !== 'string') return undefined;
    rows.push([name, about]);
  }
  return [...alignRows(rows), '', footer].join('\n');
}

/** A table for a person, or undefined when the reply has none (then: indented JSON). */
export function renderForPeople(reply: unknown): string | undefined {
  if (!isRecord(reply) || 'Error' in reply) return undefined;
  const keys = Object.keys(reply);
  if (keys.length !== 1) return undefined;
  const v = reply[keys[0]];
  if (!isRecord(v)) return undefined;
  if (keys[0] === 'Settings') return settingsTable(v);
  if (keys[0] === 'Help' && !('Usage' in v)) return listTable(v, 'Help <command> shows its usage and range; --json prints the replies as JSON');
  if (keys[0] === 'Help') {
    const lines = [`${v.Command}: ${v.About}`, `usage: ${v.Usage}`];
    if ('Min' in v) lines.push(`range: ${num(v.Min)}..${num(v.Max)}${typeof v.Unit === 'string' && v.Unit !== '' ? ' ' + v.Unit : ''}`);
    if (v.Sensitive === true) lines.push('a change needs Login <PIN> or the board button');
    return lines.join('\n');
  }
  if (keys[0] === 'Sim' && Object.values(v).every((x) => typeof x === 'string')) return listTable(v, 'simulator only: a board has no Sim command');
  return undefined;
}
