// The guest pass's QR (tools/gateway/qr.ts): what the page draws must scan back to the
// exact URI, for every shape of URI the unit makes (pass 1..255, 20-byte keys in base32).
// Scanned with jsQR, an independent decoder, from the same pixels the page paints.
import test from 'ava';
import fc from 'fast-check';
import jsQR from 'jsqr';
import { qrRows } from '../tools/gateway/qr';
import { base32 } from '../firmware/access/otp';
import { fuzzRuns, reportSeed } from './support/fc-seed';

reportSeed(test.after.always, 'gateway-qr');

/** paint rows as the page does (tools/gateway/web/app.js qr()): 4-module quiet zone, 4 px cells */
function paint(rows: string[]): { px: Uint8ClampedArray; w: number } {
  const cell = 4;
  const n = rows.length + 8;
  const w = n * cell;
  const px = new Uint8ClampedArray(w * w * 4).fill(255);
  for (let y = 0; y < rows.length; y++)
    for (let x = 0; x < rows.length; x++)
      if (rows[y][x] === '1')
        for (let dy = 0; dy < cell; dy++)
          for (let dx = 0; dx < cell; dx++) {
            const o = (((y + 4) * cell + dy) * w + (x + 4) * cell + dx) * 4;
            px[o] = px[o + 1] = px[o + 2] = 0;
          }
  return { px, w };
}

test('every guest-pass URI scans back exactly from the painted QR', (t) => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 255 }), fc.uint8Array({ minLength: 20, maxLength: 20 }), (id, key) => {
      const uri = 'otpauth://totp/SmartMeter:guest' + id + '?secret=' + base32(key) + '&issuer=SmartMeter&algorithm=SHA1&digits=6&period=30';
      const rows = qrRows(uri);
      if (!rows.every((r) => r.length === rows.length && /^[01]+$/.test(r))) return false;
      const { px, w } = paint(rows);
      return jsQR(px, w, w)?.data === uri;
    }),
    { numRuns: fuzzRuns(40) },
  );
  t.pass();
});

test('a corrupted QR does not scan as the URI (the check can fail)', (t) => {
  const uri = 'otpauth://totp/SmartMeter:guest9?secret=' + base32(new Uint8Array(20).fill(7)) + '&issuer=SmartMeter&algorithm=SHA1&digits=6&period=30';
  const rows = qrRows(uri);
  // blank the three finder patterns' corner: no decoder can locate the symbol
  const broken = rows.map((r, y) => (y < 8 ? '0'.repeat(8) + r.slice(8) : r));
  const { px, w } = paint(broken);
  t.not(jsQR(px, w, w)?.data, uri);
  t.is(jsQR(paint(rows).px, w, w)?.data, uri);
});
