import test from 'ava';
import { harness } from './console-harness';
import { LineEditor } from '../firmware/console/line-editor';
import { parseNumber, splitCall, splitLine } from '../firmware/console/parser';
import { toJson } from '../firmware/console/json';
import { MAX_LINE } from '../firmware/console/console';

const bytes = (s: string) => [...Buffer.from(s, 'latin1')];

function edit(input: number[], max = 10) {
  const lines: string[] = [];
  const over: number[] = [];
  const ed = new LineEditor(
    max,
    (l) => lines.push(l),
    (n) => over.push(n),
  );
  for (const b of input) ed.push(b);
  return { lines, over, pending: ed.pending() };
}

test('CR, LF and CRLF each end one line; LF CR ends two (the second empty)', (t) => {
  t.deepEqual(edit(bytes('a\rb\nc\r\nd')).lines, ['a', 'b', 'c']);
  t.deepEqual(edit(bytes('a\n\rb\r')).lines, ['a', '', 'b']);
  t.is(edit(bytes('abc')).pending, 3);
});

test('backspace and DEL erase, Ctrl-U and Ctrl-C drop the line, tab is a space, other controls are ignored', (t) => {
  t.deepEqual(edit([...bytes('Statux'), 8, ...bytes('s\r')]).lines, ['Status']);
  t.deepEqual(edit([...bytes('ab'), 0x7f, 0x7f, 0x7f, ...bytes('c\r')]).lines, ['c']);
  t.deepEqual(edit([...bytes('junk'), 0x15, ...bytes('ok\r'), ...bytes('x'), 3, ...bytes('y\r')]).lines, ['ok', 'y']);
  t.deepEqual(edit([...bytes('a\tb'), 0, 1, 27, ...bytes('c\r')]).lines, ['a bc']);
});

test('an overlong line is dropped to its end, reported once with its length, and the next line works', (t) => {
  const r = edit(bytes('0123456789ABCDE\rok\r'));
  t.deepEqual(r.lines, ['ok']);
  t.deepEqual(r.over, [15]);
  t.deepEqual(edit(bytes('0123456789\r')).lines, ['0123456789'], 'exactly max is fine');
});

test('console: overlong line gets one error naming Line and the maximum, and changes nothing', (t) => {
  const h = harness();
  h.login();
  const before = h.target.snapshot();
  const long = 'VoltageHigh 260;' + 'x'.repeat(MAX_LINE);
  t.deepEqual(h.type(long), [{ Command: 'Line', Error: 'line too long', Got: long.length, Max: MAX_LINE }]);
  t.is(h.target.snapshot(), before);
  t.deepEqual(h.type('VoltageHigh 260'), [{ VoltageHigh: 260 }]);
});

test('console: LF only, CR only, backspace over the wire, empty lines give no reply', (t) => {
  const h = harness();
  t.deepEqual(h.type('Relay2', '\n'), [{ Relay2: 'ON' }]);
  t.deepEqual(h.type('Relay2', '\r'), [{ Relay2: 'ON' }]);
  t.deepEqual(h.bytes([...bytes('Relay3'), 8, ...bytes('1\r\n')]), [{ Relay1: 'ON' }]);
  t.deepEqual(h.type(''), []);
  t.deepEqual(h.type('   ;  ; '), []);
});

test('Backlog and ; chain commands, one reply each, in order', (t) => {
  const h = harness();
  t.deepEqual(splitLine('Backlog Status; Relay1 off ;;Trips').commands, ['Status', 'Relay1 off', 'Trips']);
  t.deepEqual(splitLine('backlog').commands, []);
  t.deepEqual(splitLine('BacklogStatus').commands, ['BacklogStatus'], 'Backlog needs a separator');
  const r = h.type('Backlog Relay1 off; Relay1; Relay2');
  t.deepEqual(r, [{ Relay1: 'OFF' }, { Relay1: 'OFF' }, { Relay2: 'ON' }]);
  t.deepEqual(
    h.type('Status;Nope').map((x) => Object.keys(x)[0]),
    ['Status', 'Command'],
  );
});

test('more than 16 commands in a line: one error, nothing runs', (t) => {
  const h = harness();
  const before = h.target.snapshot();
  t.deepEqual(h.type(Array(17).fill('Relay1 off').join(';')), [{ Command: 'Backlog', Error: 'too many commands', Got: 17, Max: 16 }]);
  t.is(h.target.snapshot(), before);
  t.is(h.type(Array(16).fill('Relay1').join(';')).length, 16);
});

test('splitCall and parseNumber', (t) => {
  t.deepEqual(splitCall('Relay12on'), { name: 'Relay', digits: '12', rest: 'on', tail: '12on' });
  t.deepEqual(splitCall('VoltageHigh = 250 '), { name: 'VoltageHigh', digits: '', rest: '250', tail: ' = 250 ' });
  for (const [s, v] of [
    ['12', 12],
    ['-3.5', -3.5],
    ['+7', 7],
    ['0.25', 0.25],
    ['5.', 5],
    ['.5', 0.5],
  ] as const)
    t.is(parseNumber(s), v, s);
  for (const s of ['', '.', '-', '1e3', '0x10', 'Infinity', 'NaN', '1.2.3', '12a', ' 1', '1'.repeat(21)]) t.is(parseNumber(s), undefined, s);
});

test('JSON writer: escapes, ASCII only, non-finite as null, same as JSON.parse round trip', (t) => {
  const v = { a: 'q"\\\n\r\t\u0001é€', b: [1, -2.5, NaN, Infinity, true, false, null], c: { d: 'x' }, e: undefined as any };
  const s = toJson(v);
  t.true(/^[\x20-\x7e]*$/.test(s));
  t.deepEqual(JSON.parse(s), { a: v.a, b: [1, -2.5, null, null, true, false, null], c: { d: 'x' } });
});
