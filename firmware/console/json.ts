// Minimal JSON writer for console replies. Output is pure ASCII (non-ASCII is escaped as
// \uXXXX) so the serial writer can send one byte per character on every engine, and
// non-finite numbers become null, as JSON.stringify does.
export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

const HEX = '0123456789abcdef';

export function quote(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 34) out += '\\"';
    else if (c === 92) out += '\\\\';
    else if (c === 10) out += '\\n';
    else if (c === 13) out += '\\r';
    else if (c === 9) out += '\\t';
    else if (c < 32 || c > 126) {
      out += '\\u' + HEX.charAt((c >> 12) & 15) + HEX.charAt((c >> 8) & 15) + HEX.charAt((c >> 4) & 15) + HEX.charAt(c & 15);
    } else out += s.charAt(i);
  }
  return out + '"';
}

export function toJson(v: JsonValue | undefined): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') return isFinite(v) ? String(v) : 'null';
  if (typeof v === 'string') return quote(v);
  if (Array.isArray(v)) {
    const parts: string[] = [];
    for (let i = 0; i < v.length; i++) parts.push(toJson(v[i]));
    return '[' + parts.join(',') + ']';
  }
  const keys = Object.keys(v);
  const parts: string[] = [];
  for (let i = 0; i < keys.length; i++) {
    const item = v[keys[i]];
    if (item !== undefined) parts.push(quote(keys[i]) + ':' + toJson(item));
  }
  return '{' + parts.join(',') + '}';
}
