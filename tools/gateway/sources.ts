// PC-link line sources: the control unit on a serial port (USB CDC / RS-232 adapter), or
// the simulated home in this process. Both hand the gateway raw text in any chunking.
import type { LineSource } from './gateway';
import type { SimHome } from '../home/home';

/** The simulated home, in process: the same lines the unit writes to its USB port. */
export class HomeSource implements LineSource {
  private up = false;
  constructor(readonly home: SimHome) {}
  start(onData: (chunk: string) => void, onState: (up: boolean, why: string) => void): void {
    this.home.onLine((l) => {
      if (this.up) onData(l);
    });
    this.up = true;
    onState(true, 'simulated home');
  }
  write(text: string): void {
    // the unit answers on its next line write; run it on the next turn so a reply never
    // arrives inside the caller's own call stack
    setImmediate(() => this.home.send(text));
  }
  async stop(): Promise<void> {
    this.up = false;
  }
}

/**
 * A serial port (the `serialport` package), reopened with back-off (1 s doubling to 30 s)
 * when it disappears or cannot be opened; every loss is logged and reported as a state.
 */
export class SerialSource implements LineSource {
  private port: import('serialport').SerialPort | undefined;
  private stopped = false;
  private backoffMs = 1000;
  private timer: ReturnType<typeof setTimeout> | undefined;
  constructor(
    readonly path: string,
    readonly baudRate = 115200,
    private readonly log: (l: string) => void = (l) => process.stderr.write(l + '\n'),
  ) {}

  start(onData: (chunk: string) => void, onState: (up: boolean, why: string) => void): void {
    const open = async () => {
      if (this.stopped) return;
      const { SerialPort } = await import('serialport');
      const p = new SerialPort({ path: this.path, baudRate: this.baudRate, autoOpen: false });
      p.open((err) => {
        if (err) {
          this.log(`serial ${this.path}: ${err.message}; retry in ${this.backoffMs / 1000} s`);
          this.retry(open);
          return;
        }
        this.port = p;
        this.backoffMs = 1000;
        onState(true, this.path);
      });
      p.setEncoding('latin1');
      p.on('data', (d: string) => onData(d));
      p.on('close', () => {
        if (this.port === p) this.port = undefined;
        onState(false, `${this.path} closed`);
        this.retry(open);
      });
      p.on('error', (e) => this.log(`serial ${this.path}: ${e.message}`));
    };
    void open();
  }

  private retry(open: () => Promise<void>): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void open(), this.backoffMs);
    this.backoffMs = Math.min(this.backoffMs * 2, 30_000);
  }

  write(text: string): void {
    if (this.port !== undefined) this.port.write(text);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    const p = this.port;
    this.port = undefined;
    if (p !== undefined && p.isOpen) await new Promise<void>((r) => p.close(() => r()));
  }
}
