// Trace parsing: every kind of bad input is an error naming the line and the problem;
// the reader streams (a long trace never sits in memory whole).
import test from 'ava';
import { Readable } from 'node:stream';
import { readTrace, TraceError } from '../tools/privacy/csv';

async function parse(text: string | string[]) {
  const rows = [];
  for await (const r of readTrace(Readable.from(typeof text === 'string' ? [text] : text))) rows.push(r);
  return rows;
}

async function error(text: string): Promise<string> {
  try {
    await parse(text);
  } catch (e) {
    if (e instanceof TraceError) return e.message;
    throw e;
  }
  return 'no error';
}

test('seconds, ISO 8601 (zoned or UTC), CRLF, BOM, irregular steps, chunk splits anywhere', async (t) => {
  const a = await parse('time,watts\n0,100\n60,200.5\n61,0\n');
  t.deepEqual(
    a.map((r) => [r.line, r.t, r.watts]),
    [
      [2, 0, 100],
      [3, 60, 200.5],
      [4, 61, 0],
    ],
  );
  const b = await parse('\ufeffTime,Watts\r\n2026-11-27T10:00:00Z,100\r\n2026-11-27T11:00:30+01:00,5\r\n2026-11-27 10:01,7\r\n');
  t.deepEqual(
    b.map((r) => r.t - b[0].t),
    [0, 30, 60],
  );
  t.is(b[0].t, Date.UTC(2026, 10, 27, 10) / 1000);
  const chunks = 'time,watts\n0,100\n60,200\n120,300\n'.split('');
  t.deepEqual(
    (await parse(chunks)).map((r) => r.watts),
    [100, 200, 300],
  );
});

test('each problem names its line', async (t) => {
  t.is(await error(''), 'line 1: empty file (expected a "time,watts" header and rows)');
  t.is(await error('t,w\n0,1\n'), 'line 1: header must be "time,watts", found "t,w"');
  t.is(await error('time,watts\n0,1\n'), 'line 2: only 1 data row(s): at least 2 are needed for one step');
  t.is(await error('time,watts\n0,1\n60\n'), 'line 3: expected 2 columns (time,watts), found 1');
  t.is(await error('time,watts\n0,1\n60,1,2\n'), 'line 3: expected 2 columns (time,watts), found 3');
  t.is(await error('time,watts\n0,1\n60,12a\n'), 'line 3: watts "12a" is not a number');
  t.is(await error('time,watts\n0,1\n60,NaN\n'), 'line 3: watts "NaN" is not a number');
  t.is(await error('time,watts\n0,1\n60,-5\n'), "line 3: watts -5 is negative (a trace is the household's consumption)");
  t.is(await error('time,watts\n0,1\n60,1e999\n'), 'line 3: watts "1e999" is not finite');
  t.is(await error('time,watts\n0,1\nnoon,1\n'), 'line 3: time "noon" is neither seconds nor ISO 8601 (e.g. 2026-11-27T10:00:00Z)');
  t.is(await error('time,watts\n60,1\n0,1\n'), 'line 3: time 0 goes backwards (before line 2)');
  t.is(await error('time,watts\n60,1\n\n60,1\n'), 'line 4: time 60 duplicates line 2');
  t.is(await error('time,watts\n0,1\n3601,1\n'), 'line 3: gap of 3601 s since line 2 (more than 1 h; not interpolated: split the trace there)');
  t.is(await error('time,watts\n0,1\n2026-11-27T10:00:00Z,1\n'), 'line 3: time "2026-11-27T10:00:00Z" mixes ISO 8601 with the seconds of the rows above');
  t.is(await error('time,watts\n0,1\n' + '9'.repeat(5000)), 'line 3: line longer than 1024 characters (not a time,watts row)');
});

test('streams: 1 M rows (~13 MB) are read as they arrive, never more than two chunks ahead', async (t) => {
  const N = 1_000_000;
  let produced = 0;
  function* gen() {
    yield 'time,watts\n';
    let s = '';
    for (let i = 0; i < N; i++) {
      s += `${i},${(i % 2000) + 0.5}\n`;
      if (s.length > 65536) {
        produced += s.length;
        yield s;
        s = '';
      }
    }
    produced += s.length;
    yield s;
  }
  let n = 0;
  let consumed = 0;
  let ahead = 0;
  for await (const r of readTrace(Readable.from(gen(), { highWaterMark: 1 }))) {
    n++;
    consumed += `${r.t},${r.watts}\n`.length;
    if (produced - consumed > ahead) ahead = produced - consumed;
  }
  t.is(n, N);
  t.true(consumed > 12e6);
  t.true(ahead < 3 * 65600, `read ${ahead} bytes ahead of the rows handed out`);
});
