// startControlUnit: the one start-up of the control unit, called by its board program
// (targets/control-unit/main.ts) with the board's Device, and by the XS proof with the
// simulated one. It composes what exists:
//
//   nRF24L01+ (firmware/link/nrf24.ts) on the board's SPI, CE and IRQ pins
//     -> ControlUnit (control-unit.ts): node table, replay windows, anomaly detector
//   R30x reader on the fingerprint UART -> Access (firmware/access): policy, guest passes,
//     the hash-chained access log
//   PC link (firmware/control/pc-link.ts) on the USB serial port: readings, events, alarms
//     and access records out; commands in, guest codes judged by Access through the one
//     glue (firmware/control/access-link.ts)
//   button: the technician's button window (the policy's `button` credential: enrol the
//     first finger, confirm-rekey); a finger put on within the window is enrolled,
//     otherwise identified
//   LED and buzzer (firmware/control/signals.ts): accepted, refused, alarm
//
// What the unit serves comes from its own flash (firmware/control/registry.ts, written by
// provisioning); time from the hal Clock and Timer, Unix time from the caller's `wallS`.
// Portable: no platform imports, Espruino language level.
import type { BoardDescription } from '../../boards/board';
import type { Device, Digital, Serial } from '../../hal/io';
import { EDGE_FALLING, EDGE_RISING } from '../../hal/io';
import { Nrf24Radio } from '../link/nrf24';
import { ControlUnit } from './control-unit';
import type { ControlUnitOptions, Forward } from './control-unit';
import type { Access, AccessAlarm } from '../access/access';
import type { LogEntry } from '../access/access-log';
import { PcLink } from '../control/pc-link';
import type { PcRole } from '../control/pc-link';
import type { DrResult } from '../policy/demand-response';
import type { JsonObject } from '../console/json';
import { accessPorts, accessRecord, clockPorts } from '../control/access-link';
import { WallClock } from '../access/wall-clock';
import { loadControlProvisioning } from '../control/registry';
import type { ControlNodeConfig } from '../control/node-table';
import { Signals, signalFor } from '../control/signals';

/** nRF24 addresses (5 bytes, LSB first as written to the chip): the unit's and the nodes' */
export const CU_RADIO_ADDRESS = [0x00, 0x43, 0x55, 0x4e, 0x54];
export const NODE_RADIO_ADDRESS = [0x01, 0x4e, 0x4f, 0x44, 0x45];
/** SPI clock for the nRF24L01+ (the chip takes up to 10 MHz, product spec §8.1) */
const RADIO_SPI_HZ = 8000000;
/** the reader's UART when the caller does not name one (the board notes put it on UART2) */
const READER_PORT = 2;

export interface ControlUnitStart {
  /** one line per boot step and problem; undefined: silent */
  log: ((line: string) => void) | undefined;
  /**
   * The board's own Unix time, read ONCE at boot: an RTC that kept it (the ESP32's system
   * time survives a software reset), or a simulation's epoch. undefined: not set; guest
   * codes wait for the PC link's `time` command. After boot the unit's WallClock
   * (firmware/access/wall-clock.ts) keeps the time on the monotonic Clock.
   */
  wallS: () => number | undefined;
  /** the platform's random bytes (guest pass keys) */
  random: (n: number) => Uint8Array;
  /** a set the PC link made, in Unix seconds: the board keeps it (Moddable: Time.set, kept across a software reset) */
  onClockSet?: (unixS: number) => void;
  /** the fingerprint reader's UART port (default 2) */
  readerPort?: number;
  /** the nodes' telemetry interval, s (sets the silence alarm; default 10) */
  reportEveryS?: number;
  /** every PC-link line also goes here (tests; a debug build's trace) */
  onPcLine?: (line: string) => void;
  /**
   * The home's energy management (ControlUnitOptions.energy: household policy, battery,
   * scheduler); undefined: none. The simulated home (tools/home) runs it on this start-up.
   */
  energy?: ControlUnitOptions['energy'];
}

export interface ControlUnitApp {
  unit: ControlUnit;
  /** Unix time for guest codes and the access log; set by the PC link's `time` command */
  wall: WallClock;
  access: Access;
  pc: PcLink;
  radio: Nrf24Radio;
  signals: Signals;
  /** '' when provisioned, else why the unit serves no node */
  provisioning: string;
  /** the reader's answer to the module password at boot: 'ok', 'waiting' or the error */
  reader: string;
  /** true between the button and the next finger: that finger is enrolled */
  enrolArmed(): boolean;
  close(): void;
}

/** The role check the control-unit target makes before it opens any hardware. */
export function checkControlRole(board: BoardDescription): void {
  if (board.role !== 'control') throw new Error('board ' + board.name + ': role must be "control" for the control-unit app, got "' + board.role + '"');
}

function bytes(a: number[]): Uint8Array {
  const b = new Uint8Array(a.length);
  for (let i = 0; i < a.length; i++) b[i] = a[i];
  return b;
}

function pinOf(board: BoardDescription, name: string): number | undefined {
  return (board.pins as { [k: string]: number | undefined })[name];
}

function output(device: Device, pin: number | undefined): Digital | undefined {
  if (pin === undefined) return undefined;
  const d = new device.io.Digital({ pin: pin, mode: 'output' });
  d.write(0);
  return d;
}

/** Boot the control unit on `device` (made by the target's provider for `board`). */
export function startControlUnit(device: Device, board: BoardDescription, start: ControlUnitStart): ControlUnitApp {
  checkControlRole(board);
  const log = start.log;
  const say = function (line: string): void {
    if (log !== undefined) log(line);
  };
  const clock = device.clock;
  const timer = device.timer;
  const wall = new WallClock(clock, start.wallS());
  const wallS = function (): number | undefined {
    return wall.wallS();
  };
  const prov = loadControlProvisioning(device.store);
  let nodes: ControlNodeConfig[] = [];
  let readerPassword = 0;
  let provisioning = '';
  if (typeof prov === 'string') {
    provisioning = prov;
    say('control unit: ' + prov);
  } else {
    nodes = prov.nodes;
    readerPassword = prov.readerPassword;
  }
  const radioPins = { select: pinOf(board, 'radioCs'), ce: pinOf(board, 'radioCe'), irq: pinOf(board, 'radioIrq') };
  if (radioPins.select === undefined || radioPins.ce === undefined || radioPins.irq === undefined || board.radio === undefined) {
    throw new Error('board ' + board.name + ': the control unit needs pins radioCs, radioCe, radioIrq and a radio section');
  }
  const nodeAddress = bytes(NODE_RADIO_ADDRESS);
  const radio = new Nrf24Radio({
    io: device.io,
    pins: { select: radioPins.select, ce: radioPins.ce, irq: radioPins.irq },
    hz: RADIO_SPI_HZ,
    channel: board.radio.channel,
    ownAddress: bytes(CU_RADIO_ADDRESS),
    peerAddress: bytes(NODE_RADIO_ADDRESS),
    retries: 5,
    retryDelayUs: 500,
    // a downlink frame goes to the node its header names (byte 1, firmware/link/frame.ts);
    // the node's address is NODE_RADIO_ADDRESS with its id in the first byte
    peerOf: function (frame: Uint8Array): Uint8Array {
      nodeAddress[0] = frame[1];
      return nodeAddress;
    },
  });
  if (!radio.present) say('radio: no nRF24L01+ answers on SPI (select ' + radioPins.select + '); the unit hears no node');
  const signals = new Signals(output(device, pinOf(board, 'led')), output(device, pinOf(board, 'buzzer')), timer);
  let pc: PcLink | undefined;
  const unit = new ControlUnit({
    clock: clock,
    store: device.store,
    radio: radio,
    timer: timer,
    nodes: nodes,
    reportEveryS: start.reportEveryS,
    energy: start.energy,
    onForward: function (f: Forward): void {
      if (f.kind === 'alarm') signals.signal('alarm');
      if (pc !== undefined) pc.forward(f);
    },
    access: {
      wallS: wallS,
      random: start.random,
      Serial: device.io.Serial,
      readerPort: start.readerPort === undefined ? READER_PORT : start.readerPort,
      readerPassword: readerPassword,
      onRecord: function (e: LogEntry): void {
        const s = signalFor(e.kind);
        // alarms are signalled once, from onForward (they come with the radio's)
        if (s !== '' && s !== 'alarm') signals.signal(s);
        if (pc !== undefined) pc.access(accessRecord(e, clock.now()));
      },
      onAlarm: function (a: AccessAlarm): void {
        say('alarm ' + a.name + ': ' + a.detail);
      },
    },
  });
  const access = unit.access as Access;
  const guest = accessPorts(access, { wallS: wallS });
  const clockPort = clockPorts(access, wall);
  const setTime = function (unixS: number, force: boolean, role: PcRole): { unix: number; step: number | null } | string {
    const r = (clockPort.setTime as (unixS: number, force: boolean, role: PcRole) => { unix: number; step: number | null } | string)(unixS, force, role);
    if (typeof r !== 'string' && start.onClockSet !== undefined) start.onClockSet(r.unix);
    return r;
  };

  // one reader operation at a time (the button's and the PC link's enrolments, the touch
  // line's identify): an enrolment lifts and replaces the finger, and the touch line rises
  // again meanwhile, between the driver's GenImg polls
  let working = false;

  // ---- the PC link on the USB serial port ----
  let usb: Serial | undefined;
  // the board's console section names the USB UART (boards/schema.ts; BoardDescription omits it)
  const con = (board as { console?: { uart: number; baud: number } }).console;
  const usbPort = con !== undefined ? con.uart : 0;
  const usbBaud = con !== undefined ? con.baud : 115200;
  const onPcLine = start.onPcLine;
  pc = new PcLink(
    {
      nodes: function (): number[] {
        const out: number[] = [];
        for (let i = 0; i < nodes.length; i++) out.push(nodes[i].nodeId);
        return out;
      },
      status: function (): JsonObject {
        const per: JsonObject = {};
        for (let i = 0; i < nodes.length; i++) {
          const e = unit.node(nodes[i].nodeId);
          if (e !== undefined) per[String(e.nodeId)] = { readings: e.readings, lastCounter: e.lastCounter, lastSeenUs: e.lastSeenUs };
        }
        return {
          nodes: per,
          received: unit.stats.received,
          readings: unit.stats.readings,
          radio: radio.present,
          reader: app.reader,
          accessLog: access.log.count(),
          clock: wall.isSet() ? Math.floor(wallS() as number) : null,
        };
      },
      sendCommand: function (nodeId: number, b: Uint8Array): string {
        return unit.sendCommand(nodeId, b);
      },
      // the household's own switch: one MSG_HOUSEHOLD frame after the policy; the node's ack follows
      relay: function (nodeId: number, on: boolean, role: PcRole): string {
        return unit.householdRelay(nodeId, on, role);
      },
      // the utility's signed demand-response orders (the unit verifies; needs energy.demandResponse)
      dr: function (b: Uint8Array, done: (err: string, r: DrResult | undefined) => void): string {
        return unit.demandResponse(b, done);
      },
      guestCheck: guest.guestCheck,
      issueGuestPass: guest.issueGuestPass,
      setTime: setTime,
      // the reader's flows for the household over the PC link (policy: enrol-finger,
      // delete-finger); one reader operation at a time, shared with the button and the touch line
      enrol: function (page: number | undefined, role: PcRole, done: (err: string, page: number) => void): string {
        if (working || access.reader.busy()) return 'the reader is busy: try again when it is done';
        working = true;
        const go = function (n: number): void {
          say('enrol: put the finger on the reader (page ' + n + ', for the PC link)');
          access.enrol(
            role,
            n,
            function (err: string) {
              working = false;
              done(err, n);
            },
            'pc-link',
          );
        };
        if (page !== undefined) go(page);
        else {
          access.reader.freePage(function (e, n) {
            if (e !== undefined || n < 0) {
              working = false;
              return done(e !== undefined ? e.message : 'the reader library is full', -1);
            }
            go(n);
          });
        }
        return '';
      },
      deleteFinger: function (page: number, role: PcRole, done: (err: string) => void): string {
        if (working || access.reader.busy()) return 'the reader is busy: try again when it is done';
        working = true;
        access.deleteFinger(
          role,
          page,
          function (err: string) {
            working = false;
            done(err);
          },
          'pc-link',
        );
        return '';
      },
    },
    function (line: string): void {
      if (onPcLine !== undefined) onPcLine(line);
      if (usb === undefined) return;
      const b = new Uint8Array(line.length);
      for (let i = 0; i < line.length; i++) b[i] = line.charCodeAt(i) & 0xff;
      usb.write(b);
    },
  );
  const link = pc;
  usb = new device.io.Serial({
    port: usbPort,
    baud: usbBaud,
    onReadable: function (): void {
      let text = '';
      const s = usb as Serial;
      for (let b = s.read(); b !== undefined; b = s.read()) text += String.fromCharCode(b);
      if (text !== '') link.feed(text);
    },
  });

  // ---- the button and the finger ----
  let enrolUntil = -1;
  const enrolling = function (): boolean {
    return clock.now() < enrolUntil;
  };
  const buttonPin = pinOf(board, 'button');
  let button: Digital | undefined;
  if (buttonPin !== undefined) {
    // DevKitC BOOT button: external pull-up, pressed = 0 (falling edge)
    button = new device.io.Digital({
      pin: buttonPin,
      mode: 'inputPullUp',
      edge: EDGE_FALLING,
      onReadable: function (): void {
        access.pressButton();
        // the button window (firmware/console/credential.ts, 2 min) also arms one enrolment
        enrolUntil = clock.now() + 120e6;
        say('button: window open for 2 min (the next finger is enrolled)');
      },
    });
  }
  const fingerNow = function (): void {
    if (working || access.reader.busy()) return;
    working = true;
    if (enrolling()) {
      enrolUntil = -1;
      access.reader.freePage(function (e, n) {
        if (e !== undefined || n < 0) {
          working = false;
          return say('enrol: ' + (e !== undefined ? e.message : 'the reader library is full'));
        }
        access.enrol('button', n, function (err: string) {
          working = false;
          say(err === '' ? 'enrol: finger stored at page ' + n : 'enrol: ' + err);
        });
      });
      return;
    }
    access.identify(function (e, r) {
      working = false;
      say(r !== undefined ? 'identify: page ' + r.pageId + ' score ' + r.score : 'identify: ' + (e === undefined ? 'no answer' : e.message));
    });
  };
  const touchPin = pinOf(board, 'fpTouch');
  let touch: Digital | undefined;
  if (touchPin !== undefined) {
    // R503 finger-detection output: high while a finger touches the window (R503 datasheet,
    // pin 5 "Touch induction signal output, default high level effective")
    touch = new device.io.Digital({ pin: touchPin, mode: 'input', edge: EDGE_RISING, onReadable: fingerNow });
  }

  const app: ControlUnitApp = {
    unit: unit,
    wall: wall,
    access: access,
    pc: link,
    radio: radio,
    signals: signals,
    provisioning: provisioning,
    reader: 'waiting',
    enrolArmed: enrolling,
    close: function (): void {
      radio.close();
      access.close();
      if (usb !== undefined) usb.close();
      if (button !== undefined) button.close();
      if (touch !== undefined) touch.close();
    },
  };
  access.reader.verifyPassword(function (e) {
    app.reader = e === undefined ? 'ok' : e.message;
    say('reader: ' + (e === undefined ? 'module password accepted' : e.message));
  });
  say(
    'control unit up on ' +
      board.name +
      ': ' +
      nodes.length +
      ' node(s), radio ' +
      (radio.present ? 'present' : 'absent') +
      ', clock ' +
      (wall.isSet() ? 'set' : "not set (waits for the PC link's time command)"),
  );
  link.hello(clock.now());
  return app;
}
