// Opens what --port names:
//   tcp://HOST:PORT   a TCP byte stream (the tcp-bridge in front of a simulated node)
//   sim               an in-process simulated node (no hardware, for a quick look)
//   /dev/ttyUSB0, COM3 ...   a real serial port through the serialport package
// Every failure becomes a PortError whose message says what to do.
import { connect } from 'node:net';
import { existsSync, readdirSync } from 'node:fs';
import type { Port } from './duplex';
import { createSimMeter } from './sim-meter';

export class PortError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PortError';
  }
}

export interface OpenOptions {
  baud: number;
}

/** A serial port that is present, with what the OS knows of the adapter. */
export interface SerialDevice {
  path: string;
  /** e.g. "Silicon Labs 10c4:ea60" (CP210x on an ESP32-DevKitC), when the OS reports it */
  adapter?: string;
}

/**
 * The serial ports present, for "did you mean". SerialPort.list() is the cross-platform
 * answer (Windows COM ports, macOS, Linux through udev) and gives the USB vendor and
 * product ids; where it cannot run (Linux without udevadm, e.g. a container), fall back
 * to the device names in /dev.
 */
export async function listSerialDevices(dev = '/dev'): Promise<SerialDevice[]> {
  try {
    const { SerialPort } = await import('serialport');
    const ports = await SerialPort.list();
    return ports
      .map((p) => {
        const id = p.vendorId !== undefined && p.productId !== undefined ? `${p.vendorId}:${p.productId}` : undefined;
        const adapter = [p.manufacturer, id].filter((x) => x !== undefined && x !== '').join(' ');
        return adapter === '' ? { path: p.path } : { path: p.path, adapter };
      })
      .sort((a, b) => a.path.localeCompare(b.path));
  } catch {
    try {
      return readdirSync(dev)
        .filter((n) => /^(ttyUSB\d+|ttyACM\d+|cu\..+)$/.test(n))
        .map((n) => ({ path: `${dev}/${n}` }))
        .sort((a, b) => a.path.localeCompare(b.path));
    } catch {
      return [];
    }
  }
}

/** "ports present: /dev/ttyUSB0 (Silicon Labs 10c4:ea60)" or "no serial ports present". */
export async function describeSerialDevices(): Promise<string> {
  const l = await listSerialDevices();
  if (l.length === 0) return 'no serial ports present';
  return `ports present: ${l.map((d) => (d.adapter === undefined ? d.path : `${d.path} (${d.adapter})`)).join(', ')}`;
}

export async function openPort(spec: string, options: OpenOptions): Promise<Port> {
  if (spec === 'sim') return openSim();
  if (spec.startsWith('tcp://')) return openTcp(spec);
  return openSerial(spec, options);
}

function openSim(): Port {
  // a real meter node on the virtual board; PIN 2468 is provisioned for the demo
  const node = createSimMeter({ pin: '2468' });
  const closers: ((r: string) => void)[] = [];
  return {
    label: 'sim (meter node on the virtual board, PIN 2468; Sim injects faults)',
    write: (b) => setImmediate(() => node.duplex.write(b)),
    onData: (cb) => node.duplex.onData(cb),
    onClose: (cb) => closers.push(cb),
    close: async () => {
      node.close();
      closers.forEach((c) => c('closed'));
    },
  };
}

function openTcp(spec: string): Promise<Port> {
  const m = /^tcp:\/\/([^:/]+):(\d{1,5})\/?$/.exec(spec);
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 65535) {
    return Promise.reject(new PortError(`--port ${spec}: expected tcp://HOST:PORT with PORT 1..65535`));
  }
  const host = m[1];
  const port = Number(m[2]);
  return new Promise((resolve, reject) => {
    const sock = connect({ host, port });
    sock.setNoDelay(true);
    const closers: ((r: string) => void)[] = [];
    sock.once('error', (e: NodeJS.ErrnoException) => {
      const why = e.code === 'ECONNREFUSED' ? 'nothing is listening there (start the simulator or tcp bridge first)' : e.message;
      reject(new PortError(`cannot connect to ${spec}: ${why}`));
    });
    sock.once('connect', () => {
      sock.on('error', () => {});
      sock.on('close', () => closers.forEach((c) => c('connection closed')));
      resolve({
        label: spec,
        write: (b) => void sock.write(b),
        onData: (cb) => void sock.on('data', (d: Buffer) => cb(new Uint8Array(d))),
        onClose: (cb) => void closers.push(cb),
        close: () =>
          new Promise<void>((r) => {
            if (sock.closed) return r();
            sock.once('close', () => r());
            sock.end();
          }),
      });
    });
  });
}

async function openSerial(path: string, options: OpenOptions): Promise<Port> {
  if (path.startsWith('/') && !existsSync(path)) {
    throw new PortError(`serial port ${path} not found: is the board plugged in and powered? (${await describeSerialDevices()})`);
  }
  const { SerialPort } = await import('serialport');
  const port = new SerialPort({ path, baudRate: options.baud, autoOpen: false, lock: true });
  const present = await describeSerialDevices();
  await new Promise<void>((resolve, reject) => {
    port.open((err) => {
      if (!err) return resolve();
      const msg = err.message;
      if (/busy|lock|EBUSY/i.test(msg)) {
        reject(new PortError(`serial port ${path} is busy: another program (screen, minicom, a monitor or flash tool) holds it; close that first`));
      } else if (/EACCES|permission/i.test(msg)) {
        reject(new PortError(`serial port ${path}: permission denied; add your user to the dialout (Linux) group and log in again`));
      } else if (/No such file|ENOENT|cannot find|not found/i.test(msg)) {
        reject(new PortError(`serial port ${path} not found: is the board plugged in and powered? (${present})`));
      } else reject(new PortError(`serial port ${path}: ${msg}`));
    });
  });
  const closers: ((r: string) => void)[] = [];
  port.on('close', () => closers.forEach((c) => c('port closed (unplugged?)')));
  return {
    label: path,
    write: (b) => void port.write(Buffer.from(b)),
    onData: (cb) => void port.on('data', (d: Buffer) => cb(new Uint8Array(d))),
    onClose: (cb) => void closers.push(cb),
    close: () => new Promise<void>((r) => (port.isOpen ? port.close(() => r()) : r())),
  };
}
