// The guest pass as a QR code: the otpauth:// URI (Google Authenticator's "Key Uri
// Format", the one every authenticator app scans) drawn as module rows for the page's
// canvas. A pass's code lives one 30 s step either side (firmware/access/guest.ts), so the
// code shown at issue is good for a minute or so; scanning the QR gives the guest's phone
// the pass's key, and with it a code for every step until the pass expires or runs out.
//
// The page gets rows of '0'/'1', not markup: nothing of the answer is parsed as HTML, and
// the CSP stays as it is. Level M (15 % recovery, ISO/IEC 18004 table 12) is what phone
// screens and cameras read well at the sizes these URIs need (version 6-7, 41-45 modules).
import qrcode from 'qrcode-generator';

/** the URI's QR modules, row by row, '1' = dark; no quiet zone (the page draws 4 modules) */
export function qrRows(text: string): string[] {
  const qr = qrcode(0, 'M');
  qr.addData(text, 'Byte');
  qr.make();
  const n = qr.getModuleCount();
  const rows: string[] = [];
  for (let r = 0; r < n; r++) {
    let row = '';
    for (let c = 0; c < n; c++) row += qr.isDark(r, c) ? '1' : '0';
    rows.push(row);
  }
  return rows;
}
