// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320, init and xorout 0xFFFFFFFF), the
// same CRC as zlib/PNG, so a stored image can be checked with any tool. Check value:
// crc32("123456789") = 0xCBF43926 (Greenberg/Williams "Catalogue of parametrised CRC
// algorithms", CRC-32/ISO-HDLC).
//
// Bitwise (no 1 KiB table): records are a few dozen bytes, written rarely, and the table
// would cost RAM on every engine. Not in the Lua build: it reads a Uint8Array and uses
// `>>>`, both outside the Lua subset (tools/lint-subset.ts), and nothing there needs it:
// the NodeMCU node keeps no flash records (firmware/app/lua-meter-node.ts). It runs on
// Node, XS and Espruino (the Espruino-level lint covers firmware/store).

const POLY = 0xedb88320;

/** CRC-32 of bytes[start .. end). The result is an unsigned 32-bit number. */
export function crc32(bytes: Uint8Array, start: number, end: number): number {
  let crc = 0xffffffff;
  for (let i = start; i < end; i++) {
    crc = (crc ^ bytes[i]) >>> 0;
    for (let b = 0; b < 8; b++) {
      if ((crc & 1) !== 0) crc = ((crc >>> 1) ^ POLY) >>> 0;
      else crc = crc >>> 1;
    }
  }
  return (crc ^ 0xffffffff) >>> 0;
}
