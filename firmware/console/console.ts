// Technician console on the node's serial port. Bytes -> LineEditor -> splitLine ->
// one JSON reply line per command ("\r\n"-terminated). Commands are the built-in table
// (commands.ts) plus one command per target setting (thresholds etc.), matched
// case-insensitively, so a new setting needs no console code.
//
// Wiring on a node (composition root):
//   let serial: Serial;
//   const con = new Console(target, (bytes) => serial.write(bytes));
//   serial = new io.Serial({ baud: 115200, onReadable: () => con.drain(serial) });
//   button edge -> con.buttonPressed()
import type { Serial } from '../../hal/io';
import type { JsonObject } from './json';
import { toJson } from './json';
import type { ConsoleTarget, SettingInfo } from './target';
import { Credential } from './credential';
import { LineEditor } from './line-editor';
import { MAX_COMMANDS_PER_LINE, parseNumber, splitCall, splitLine, valueAfterName } from './parser';
import type { CommandSpec, ConsoleContext } from './commands';
import { builtinCommands, fail, needCredential, reply } from './commands';

/** Longest accepted line, in characters (Tasmota's serial buffer is 520; a Backlog of
 *  16 short commands fits in 256). */
export const MAX_LINE = 256;

export class Console {
  private readonly ctx: ConsoleContext;
  private readonly commands: CommandSpec[];
  private readonly editor: LineEditor;
  private readonly write: (bytes: Uint8Array) => void;

  constructor(target: ConsoleTarget, write: (bytes: Uint8Array) => void) {
    this.write = write;
    this.commands = builtinCommands();
    this.ctx = {
      target: target,
      cred: new Credential(target.clock, (pin) => target.verifyPin(pin), target.pinFailures),
      resetCode: 0,
      resetUntil: 0,
      after: [],
    };
    this.editor = new LineEditor(
      MAX_LINE,
      (line) => this.runLine(line),
      (length) => this.send([fail('Line', 'line too long', { Got: length, Max: MAX_LINE })]),
    );
  }

  /** feed one received byte */
  receive(byte: number): void {
    this.editor.push(byte);
  }

  /** read everything the serial port holds (call from Serial onReadable) */
  drain(serial: Serial): void {
    let b = serial.read();
    while (b !== undefined) {
      this.editor.push(b);
      b = serial.read();
    }
  }

  /** the board's technician button was pressed: opens the credential window */
  buttonPressed(): void {
    this.ctx.cred.button();
  }

  /** Run one line and return its replies without writing them (tests, host tools). */
  execute(line: string): JsonObject[] {
    const split = splitLine(line);
    if (split.tooMany) {
      return [fail('Backlog', 'too many commands', { Got: split.commands.length, Max: MAX_COMMANDS_PER_LINE })];
    }
    const out: JsonObject[] = [];
    for (let i = 0; i < split.commands.length; i++) out.push(this.runCommand(split.commands[i]));
    return out;
  }

  private runLine(line: string): void {
    const replies = this.execute(line);
    this.send(replies);
    const after = this.ctx.after;
    this.ctx.after = [];
    for (let i = 0; i < after.length; i++) after[i]();
  }

  private send(replies: JsonObject[]): void {
    for (let i = 0; i < replies.length; i++) {
      const text = toJson(replies[i]) + '\r\n';
      const bytes = new Uint8Array(text.length);
      for (let k = 0; k < text.length; k++) bytes[k] = text.charCodeAt(k) & 0x7f;
      this.write(bytes);
    }
  }

  private runCommand(text: string): JsonObject {
    const parts = splitCall(text);
    if (parts.name === '') return fail(text.substring(0, 24), 'not a command', { Allowed: 'Help lists commands' });
    const key = parts.name.toLowerCase();
    try {
      for (let i = 0; i < this.commands.length; i++) {
        const spec = this.commands[i];
        if (spec.name.toLowerCase() !== key) continue;
        if (!spec.indexed) return spec.run(this.ctx, spec.name, 0, valueAfterName(parts));
        const index = parts.digits === '' ? 1 : parseInt(parts.digits, 10);
        return spec.run(this.ctx, spec.name + index, index, parts.rest);
      }
      if (key === 'help') return this.help(valueAfterName(parts));
      const settings = this.ctx.target.settings();
      for (let i = 0; i < settings.length; i++) {
        if (settings[i].name.toLowerCase() === key) return this.setting(settings[i], valueAfterName(parts));
      }
      if (key === 'settings') return this.listSettings(settings, valueAfterName(parts));
    } catch (e) {
      // A target fault must not stop the console; report it against the command.
      return fail(parts.name, 'internal error', { Detail: String(e) });
    }
    return fail(parts.name, 'unknown command', { Allowed: 'Help lists commands' });
  }

  private setting(info: SettingInfo, value: string): JsonObject {
    const t = this.ctx.target;
    const range: JsonObject = { Min: info.min, Max: info.max, Unit: info.unit };
    if (value === '') return reply(info.name, valueOrNull(t.getSetting(info.name)));
    if (info.sensitive) {
      const denied = needCredential(this.ctx, info.name);
      if (denied !== undefined) return denied;
    }
    const v = parseNumber(value);
    if (v === undefined) return fail(info.name, 'not a number', { Got: value, Min: info.min, Max: info.max, Unit: info.unit });
    if (info.integer && v !== Math.floor(v)) {
      return fail(info.name, 'not a whole number', { Got: v, Min: info.min, Max: info.max, Unit: info.unit });
    }
    if (v < info.min || v > info.max) return fail(info.name, 'out of range', { Got: v, Min: info.min, Max: info.max, Unit: info.unit });
    const r = t.setSetting(info.name, v, this.ctx.cred.actor());
    if (!r.ok) return fail(info.name, r.error, range);
    return reply(info.name, valueOrNull(t.getSetting(info.name)));
  }

  private listSettings(settings: SettingInfo[], value: string): JsonObject {
    if (value !== '') return fail('Settings', 'takes no value', { Got: value, Allowed: 'no value' });
    const o: JsonObject = {};
    for (let i = 0; i < settings.length; i++) {
      const s = settings[i];
      o[s.name] = { Value: valueOrNull(this.ctx.target.getSetting(s.name)), Unit: s.unit, Min: s.min, Max: s.max, Sensitive: s.sensitive };
    }
    return reply('Settings', o);
  }

  private help(topic: string): JsonObject {
    const settings = this.ctx.target.settings();
    if (topic === '') {
      // every command with its one-line description, from the tables that define them
      // (the command table's `about`, HELP_EXTRA, each setting's `help`): nothing restated
      const list: JsonObject = {};
      for (let i = 0; i < this.commands.length; i++) list[this.commands[i].name] = this.commands[i].about;
      for (let i = 0; i < HELP_EXTRA.length; i++) list[HELP_EXTRA[i].Command] = HELP_EXTRA[i].About;
      for (let i = 0; i < settings.length; i++) list[settings[i].name] = settings[i].help;
      return reply('Help', list);
    }
    const key = splitCall(topic).name.toLowerCase();
    for (let i = 0; i < this.commands.length; i++) {
      const c = this.commands[i];
      if (c.name.toLowerCase() === key) return reply('Help', { Command: c.name, Usage: c.usage, About: c.about, Sensitive: c.sensitive });
    }
    for (let i = 0; i < settings.length; i++) {
      const s = settings[i];
      if (s.name.toLowerCase() === key) {
        return reply('Help', {
          Command: s.name,
          Usage: `${s.name} [${s.min}..${s.max}]`,
          About: s.help,
          Unit: s.unit,
          Min: s.min,
          Max: s.max,
          Sensitive: s.sensitive,
        });
      }
    }
    for (let i = 0; i < HELP_EXTRA.length; i++) {
      if (HELP_EXTRA[i].Command.toLowerCase() === key) return reply('Help', HELP_EXTRA[i]);
    }
    return fail('Help', 'unknown command', { Got: topic, Allowed: 'Help lists commands' });
  }
}

const HELP_EXTRA: { Command: string; Usage: string; About: string; Sensitive: boolean }[] = [
  {
    Command: 'Backlog',
    Usage: 'Backlog <cmd>; <cmd>; ...',
    About: `run up to ${MAX_COMMANDS_PER_LINE} commands, one reply line each (';' alone also chains)`,
    Sensitive: false,
  },
  { Command: 'Help', Usage: 'Help [command]', About: 'every command with one line on what it does, or the usage of one', Sensitive: false },
  { Command: 'Settings', Usage: 'Settings', About: 'every setting with its value, unit and range', Sensitive: false },
];

function valueOrNull(v: number | undefined): number | null {
  return v === undefined ? null : v;
}
