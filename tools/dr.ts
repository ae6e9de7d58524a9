// The utility's demand-response signer (host side; docs/POLICY.md "Demand-response orders").
// The authority's secret key stays offline (provision/authority.json, written by
// tools/provision.ts; keep it off the head-end): this tool signs an order with it and prints
// the bytes in hex, for the head-end to carry to the home's gateway, which hands them to the
// control unit as the PC link's `dr` command. It also prints the unit's `cu.dr` record (the
// authority's PUBLIC key, the home's pseudonym, the DR provisioning epoch) for provisioning.
//
//   npx tsx tools/dr.ts sign --authority provision/authority.json --home 0123456789abcdef \
//       --prov 1790000000 --seq 7 --id 42 --kind limit --limit 2000 [--relays 1,3] \
//       --start 2026-11-27T17:00:00Z --end 2026-11-27T19:00:00Z [--not-before <time>]
//   npx tsx tools/dr.ts unit-record --authority provision/authority.json --home 0123456789abcdef --prov 1790000000
// Times: unix seconds or ISO 8601. Prints one line: the hex (sign) or {"key","hex"} (unit-record).
import { readFileSync } from 'node:fs';
import nacl from 'tweetnacl';
import { DR_CANCEL, DR_KINDS, DR_LIMIT, DR_SHED, drSignedBytes, encodeDrOrder, parseDrOrder } from '../firmware/policy/dr-order';
import type { DrOrder } from '../firmware/policy/dr-order';
import { CU_DR_RECORD, encodeDrIdentity } from '../firmware/policy/dr-authority';
import { isEntry, tryParseCli } from './cli';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** The order's bytes, signed with the authority's secret key (64 bytes, tweetnacl's sign key). */
export function signDrOrder(o: DrOrder, authoritySecret: Uint8Array): Uint8Array {
  const b = encodeDrOrder(o);
  const n = b.length - 64;
  b.set(nacl.sign.detached(drSignedBytes(b, n), authoritySecret), n);
  return b;
}

function timeOf(name: string, v: string | undefined): number | string {
  if (v === undefined) return `--${name} is required`;
  if (/^[0-9]+$/.test(v)) return Number(v);
  const t = Date.parse(v);
  if (!Number.isFinite(t)) return `--${name} ${v}: unix seconds or ISO 8601`;
  return Math.floor(t / 1000);
}

const USAGE = `usage: npx tsx tools/dr.ts sign|unit-record --authority <authority.json> --home <16 hex> --prov <unix s> [order options]
  sign:        --seq <n> --id <n> --kind limit|shed|cancel [--limit <W>] [--relays <id,id>] --start <time> --end <time> [--not-before <time>]
  unit-record: prints the control unit's ${CU_DR_RECORD} record (the authority's public key, the home, the epoch)`;

export function main(argv: string[]): number {
  const p = tryParseCli(
    'dr',
    USAGE,
    argv,
    {
      authority: { type: 'string' },
      home: { type: 'string' },
      prov: { type: 'string' },
      seq: { type: 'string' },
      id: { type: 'string' },
      kind: { type: 'string' },
      limit: { type: 'string' },
      relays: { type: 'string' },
      start: { type: 'string' },
      end: { type: 'string' },
      'not-before': { type: 'string' },
    },
    true,
  );
  if (typeof p === 'number') return p;
  const what = p.positionals[0];
  const v = p.values as Record<string, string | undefined>;
  if (what !== 'sign' && what !== 'unit-record') {
    console.error(`dr: sign or unit-record; ${USAGE.split('\n')[0]}`);
    return 2;
  }
  if (v.authority === undefined || v.home === undefined || v.prov === undefined) {
    console.error('dr: --authority, --home and --prov are required');
    return 2;
  }
  let auth: { publicKey: string; secretKey?: string };
  try {
    auth = JSON.parse(readFileSync(v.authority, 'utf8')) as { publicKey: string; secretKey?: string };
  } catch (e) {
    console.error(`dr: --authority ${v.authority}: ${(e as Error).message}`);
    return 1;
  }
  const prov = Number(v.prov);
  if (what === 'unit-record') {
    const r = encodeDrIdentity({ authorityPublic: Uint8Array.from(Buffer.from(auth.publicKey, 'hex')), home: v.home, provisionedAt: prov });
    if (typeof r === 'string') {
      console.error(`dr: ${r}`);
      return 1;
    }
    console.log(JSON.stringify({ key: CU_DR_RECORD, hex: hex(r) }));
    return 0;
  }
  if (auth.secretKey === undefined) {
    console.error(`dr: ${v.authority} holds no secret key (sign where the authority key is kept)`);
    return 1;
  }
  const kind = DR_KINDS.indexOf(v.kind ?? '');
  if (kind !== DR_LIMIT && kind !== DR_SHED && kind !== DR_CANCEL) {
    console.error('dr: --kind limit, shed or cancel');
    return 2;
  }
  const start = timeOf('start', v.start);
  const end = timeOf('end', v.end);
  const nb = v['not-before'] === undefined ? start : timeOf('not-before', v['not-before']);
  for (const t of [start, end, nb]) {
    if (typeof t === 'string') {
      console.error(`dr: ${t}`);
      return 2;
    }
  }
  const o: DrOrder = {
    kind,
    home: v.home,
    seq: Number(v.seq),
    provisionedAt: prov,
    notBefore: nb as number,
    startS: start as number,
    endS: end as number,
    orderId: Number(v.id),
    limitW: v.limit === undefined ? 0 : Number(v.limit),
    relays: v.relays === undefined || v.relays === '' ? [] : v.relays.split(',').map(Number),
  };
  const b = signDrOrder(o, Uint8Array.from(Buffer.from(auth.secretKey, 'hex')));
  // the tool refuses what the unit would refuse on its face (the checks that need no state)
  const back = parseDrOrder(b, b.length);
  if (!back.ok || JSON.stringify(back.order) !== JSON.stringify(o)) {
    console.error(
      `dr: the order does not encode as given (${back.ok ? 'a field out of its range' : back.reason}): seq and id u32, limit 0..65535 W, relays 1..254 without repeats`,
    );
    return 1;
  }
  console.log(hex(b));
  return 0;
}

if (isEntry(import.meta.url)) process.exit(main(process.argv.slice(2)));
