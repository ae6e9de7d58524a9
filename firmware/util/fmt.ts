// Number to text that reads the same on every engine. A bare number in a template
// string is Lua tostring() in the Lua build, which prints 45.0 where JS prints 45.
export function num(x: number): string {
  if (x !== x) return 'NaN';
  if (Math.floor(x) === x && Math.abs(x) < 1e15) return x.toFixed(0);
  let s = x.toFixed(3);
  while (s.length > 1 && s.charAt(s.length - 1) === '0') s = s.substring(0, s.length - 1);
  if (s.charAt(s.length - 1) === '.') s = s.substring(0, s.length - 1);
  return s;
}
