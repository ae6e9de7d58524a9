// Turns serial bytes into command lines, the way a terminal user types them:
// CR, LF or CRLF end a line; backspace (0x08) and DEL (0x7F) erase the last character;
// Ctrl-U (0x15) and Ctrl-C (0x03) drop the line; tab counts as a space; other control
// bytes are ignored. A line longer than maxLength is discarded up to its end and reported
// once through onOverflow, so a runaway sender cannot grow the buffer.

export const CR = 13;
export const LF = 10;

export class LineEditor {
  private buf: string;
  private overflow: boolean;
  private lastWasCr: boolean;
  private readonly maxLength: number;
  private readonly onLine: (line: string) => void;
  private readonly onOverflow: (length: number) => void;
  private dropped: number;

  constructor(maxLength: number, onLine: (line: string) => void, onOverflow: (length: number) => void) {
    this.maxLength = maxLength;
    this.onLine = onLine;
    this.onOverflow = onOverflow;
    this.buf = '';
    this.overflow = false;
    this.lastWasCr = false;
    this.dropped = 0;
  }

  push(byte: number): void {
    const b = byte & 0xff;
    if (b === LF && this.lastWasCr) {
      this.lastWasCr = false; // second half of CRLF
      return;
    }
    this.lastWasCr = b === CR;
    if (b === CR || b === LF) {
      const line = this.buf;
      const over = this.overflow;
      const length = this.buf.length + this.dropped;
      this.buf = '';
      this.overflow = false;
      this.dropped = 0;
      if (over) this.onOverflow(length);
      else this.onLine(line);
      return;
    }
    if (b === 8 || b === 0x7f) {
      if (!this.overflow && this.buf.length > 0) this.buf = this.buf.substring(0, this.buf.length - 1);
      return;
    }
    if (b === 0x15 || b === 0x03) {
      this.buf = '';
      this.overflow = false;
      this.dropped = 0;
      return;
    }
    const c = b === 9 ? 32 : b;
    if (c < 32) return;
    if (this.overflow) {
      this.dropped++;
      return;
    }
    if (this.buf.length >= this.maxLength) {
      this.overflow = true;
      this.dropped++;
      return;
    }
    this.buf += String.fromCharCode(c);
  }

  /** characters waiting for an end of line */
  pending(): number {
    return this.buf.length;
  }
}
