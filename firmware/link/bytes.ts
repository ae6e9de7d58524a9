// Byte copies that behave the same in every engine. Uint8Array.prototype.slice returns a
// plain Array in Espruino 2v29 (no .set, no .subarray; tweetnacl refuses it), so firmware
// copies bytes with this instead of slice().

/** A new Uint8Array holding src[start..end) (the whole array by default). */
export function copyBytes(src: Uint8Array, start?: number, end?: number): Uint8Array {
  const a = start === undefined ? 0 : start;
  const b = end === undefined ? src.length : end;
  const out = new Uint8Array(b > a ? b - a : 0);
  for (let i = a; i < b; i++) out[i - a] = src[i];
  return out;
}
