import test from 'ava';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { diagnose, main, parsePercent, progressBar, type FlashIo } from '../tools/flash';

function capture(tty = false): FlashIo & { o: string[]; e: string[] } {
  const o: string[] = [];
  const e: string[] = [];
  return { o, e, tty, out: (s) => o.push(s), err: (s) => e.push(s) };
}

/** a temp dir with a fake tool script, a fake port file and build outputs */
function bench(tool: string, script: string) {
  const dir = mkdtempSync(join(tmpdir(), 'flash-'));
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  const exe = join(bin, tool);
  writeFileSync(exe, `#!${process.execPath}\n${script}\n`);
  chmodSync(exe, 0o755);
  const port = join(dir, 'ttyFAKE0');
  writeFileSync(port, '');
  const build = join(dir, 'build');
  for (const [t, b, f] of [
    ['moddable', 'esp32-devkitc-meter', 'manifest.json'],
    ['espruino', 'espruino-esp32-wroom', 'app.js'],
    ['lua', 'nodemcu-32s-lua', 'init.lua'],
    ['lua', 'nodemcu-32s-lua', 'app.lua'],
  ]) {
    mkdirSync(join(build, t, b), { recursive: true });
    writeFileSync(join(build, t, b, f), '');
  }
  return { dir, bin, exe, port, build };
}

async function withPath<T>(bin: string, fn: () => Promise<T>): Promise<T> {
  const saved = process.env.PATH;
  process.env.PATH = bin;
  try {
    return await fn();
  } finally {
    process.env.PATH = saved;
  }
}

test.serial('--dry-run prints the command per target and needs no tool, port or build', async (t) => {
  await withPath('/nonexistent', async () => {
    let io = capture();
    t.is(await main(['--board', 'esp32-devkitc-meter', '--port', '/dev/ttyUSB0', '--dry-run', '--build-dir', '/b'], io), 0);
    const m = io.o.join('');
    t.true(
      m.startsWith(
        'flash esp32-devkitc-meter (moddable) on /dev/ttyUSB0: would run\n  1. UPLOAD_PORT=/dev/ttyUSB0 UPLOAD_SPEED=921600 mcconfig -m -p esp32 /b/moddable/esp32-devkitc-meter/manifest.json\n',
      ),
      m,
    );
    t.true(m.includes('warning: mcconfig not found on PATH'));
    t.true(m.includes('warning: /b/moddable/esp32-devkitc-meter/manifest.json not found: run: npm run build -- --target moddable --board esp32-devkitc-meter'));
    t.true(m.includes('warning: port /dev/ttyUSB0 not found'));
    io = capture();
    t.is(await main(['--board', 'moddable-two', '--port', '/dev/ttyUSB0', '--dry-run', '--build-dir', '/b'], io), 0);
    t.true(io.o.join('').includes('mcconfig -m -p esp32/moddable_two /b/moddable/moddable-two/manifest.json'));
    // --debug: an xsbug build, and the plan says the console is gone
    io = capture();
    t.is(await main(['--board', 'moddable-two', '--port', '/dev/ttyUSB0', '--dry-run', '--build-dir', '/b', '--debug'], io), 0);
    t.true(io.o.join('').includes('mcconfig -d -m -p esp32/moddable_two /b/moddable/moddable-two/manifest.json'));
    t.true(io.o.join('').includes('debug: xsbug on UART0, no console'), io.o.join(''));
    io = capture();
    t.is(await main(['--board', 'espruino-esp32-wroom', '--port', '/dev/ttyUSB0', '--dry-run', '--debug'], io), 2);
    t.regex(io.e.join(''), /--debug: only a moddable build/);
    io = capture();
    t.is(await main(['--board', 'espruino-esp32-wroom', '--port', '/dev/ttyUSB0', '--dry-run', '--build-dir', '/b'], io), 0);
    t.true(
      io.o.join('').includes('  1. espruino --port /dev/ttyUSB0 --baud 115200 --storage .bootcde:- /b/espruino/espruino-esp32-wroom/app.js\n'),
      io.o.join(''),
    );
    io = capture();
    t.is(await main(['--board', 'nodemcu-32s-lua', '--port', '/dev/ttyUSB0', '--dry-run', '--build-dir', '/b', '--firmware', '/fw'], io), 0);
    const l = io.o.join('');
    t.true(
      l.includes(
        '  1. esptool.py --chip esp32 --port /dev/ttyUSB0 --baud 460800 write_flash -z 0x1000 /fw/bootloader.bin 0x8000 /fw/partitions.bin 0x10000 /fw/nodemcu.bin\n',
      ),
    );
    t.true(l.includes('  2. nodemcu-tool --port /dev/ttyUSB0 --baud 115200 upload /b/lua/nodemcu-32s-lua/init.lua /b/lua/nodemcu-32s-lua/app.lua\n'));
  });
});

test.serial('missing tool, port and build output stop the flash with clear messages', async (t) => {
  await withPath('/nonexistent', async () => {
    const io = capture();
    t.is(await main(['--board', 'espruino-esp32-wroom', '--port', '/dev/ttyUSB42', '--build-dir', '/b'], io), 2);
    const e = io.e.join('');
    t.true(e.includes('espruino not found on PATH: install the Espruino command-line tool: npm install -g espruino, or pass --tool /path/to/espruino\n'));
    t.true(e.includes('/b/espruino/espruino-esp32-wroom/app.js not found: run: npm run build -- --target espruino --board espruino-esp32-wroom\n'));
    t.regex(e, /port \/dev\/ttyUSB42 not found: is the board plugged in \(data cable, not charge-only\)\? (no serial ports present|ports present: )/);
  });
  const io = capture();
  t.is(await main(['--board', 'esp32-devkitc-meter', '--port', '/dev/x', '--tool', '/nope/mcconfig'], io), 2);
  t.true(io.e.join('').includes('--tool /nope/mcconfig not found\n'));
});

test.serial('usage errors and unknown board', async (t) => {
  let io = capture();
  t.is(await main(['--board', 'x'], io), 2);
  t.regex(io.e.join(''), /^--board and --port are required/);
  io = capture();
  t.is(await main(['--board', 'nope', '--port', '/dev/x', '--dry-run'], io), 2);
  t.regex(io.e.join(''), /^board 'nope' not found; known boards: esp32-control-unit, esp32-devkitc-meter/);
  io = capture();
  t.is(await main(['--board', 'moddable-two', '--port', '/dev/x', '--baud', '9'], io), 2);
  t.regex(io.e.join(''), /--baud must be one of/);
  io = capture();
  t.is(await main(['--what'], io), 2);
});

const PROGRESS = `
for (const p of [0, 12, 25, 50, 75, 100]) console.log('Writing at 0x000' + p + '0000... (' + p + ' %)');
require('fs').writeFileSync(require('path').join(__dirname, 'seen.json'), JSON.stringify({ argv: process.argv.slice(2), port: process.env.UPLOAD_PORT, speed: process.env.UPLOAD_SPEED }));
`;

test.serial('a run: the tool gets the plan, the progress bar follows its (NN %) lines', async (t) => {
  const b = bench('mcconfig', PROGRESS);
  const io = capture();
  const code = await withPath(b.bin, () => main(['--board', 'esp32-devkitc-meter', '--port', b.port, '--build-dir', b.build], io));
  t.is(code, 0, io.e.join(''));
  const seen = JSON.parse(readFileSync(join(b.bin, 'seen.json'), 'utf8'));
  // a release build: the technician's console stays on UART0 (a -d build gives it to xsbug)
  t.deepEqual(seen, { argv: ['-m', '-p', 'esp32', join(b.build, 'moddable/esp32-devkitc-meter/manifest.json')], port: b.port, speed: '921600' });
  const out = io.o.join('');
  t.true(out.startsWith('step 1/1: build and deploy with mcconfig (esp32)\n'));
  t.true(out.includes(`${progressBar(50)} build and deploy with mcconfig (esp32)\n`));
  t.true(out.includes(`${progressBar(100)} build and deploy with mcconfig (esp32)\n`));
  t.true(out.endsWith(`flashed esp32-devkitc-meter on ${b.port}\n`));
  // a terminal gets one bar redrawn in place
  const tty = capture(true);
  t.is(await withPath(b.bin, () => main(['--board', 'esp32-devkitc-meter', '--port', b.port, '--build-dir', b.build], tty)), 0);
  t.true(tty.o.join('').includes(`\r${progressBar(75)} `));
});

test.serial('--tool overrides the PATH lookup', async (t) => {
  const b = bench('my-espruino', PROGRESS);
  const io = capture();
  t.is(
    await withPath('/nonexistent', () => main(['--board', 'espruino-esp32-wroom', '--port', b.port, '--build-dir', b.build, '--tool', b.exe], io)),
    0,
    io.e.join(''),
  );
  t.deepEqual(JSON.parse(readFileSync(join(b.bin, 'seen.json'), 'utf8')).argv, [
    '--port',
    b.port,
    '--baud',
    '115200',
    '--storage',
    '.bootcde:-',
    join(b.build, 'espruino/espruino-esp32-wroom/app.js'),
  ]);
});

test.serial('a busy port reported by the tool becomes a clear message; other failures show the tail', async (t) => {
  const busy = bench(
    'nodemcu-tool',
    `console.error('[serialport] Error: Error Resource temporarily unavailable Cannot lock port'); console.error('Error: Device or resource busy'); process.exit(1);`,
  );
  let io = capture();
  t.is(await withPath(busy.bin, () => main(['--board', 'nodemcu-32s-lua', '--port', busy.port, '--build-dir', busy.build], io)), 1);
  t.is(io.e.join(''), `port ${busy.port} is busy: close the console, screen or monitor that holds it, then retry\n`);
  const bad = bench('nodemcu-tool', `console.log('one'); console.log('two'); process.exit(3);`);
  io = capture();
  t.is(await withPath(bad.bin, () => main(['--board', 'nodemcu-32s-lua', '--port', bad.port, '--build-dir', bad.build], io)), 1);
  t.is(io.e.join(''), 'nodemcu-tool failed with exit code 3: one | two\n');
});

test('parsePercent, progressBar, diagnose', (t) => {
  t.is(parsePercent('Writing at 0x00010000... (5 %)\rWriting at 0x00014000... (10 %)'), 10);
  t.is(parsePercent('Uploading 42%'), 42);
  t.is(parsePercent('no number'), undefined);
  t.is(parsePercent('(250 %)'), undefined);
  t.is(progressBar(0, 10), '[..........]   0%');
  t.is(progressBar(55, 10), '[######....]  55%');
  t.is(progressBar(140, 10), '[##########] 100%');
  t.is(
    diagnose('esptool.py', 2, 'A fatal error occurred: Failed to connect to ESP32: No serial data received.', '/dev/ttyUSB0'),
    'esptool.py could not talk to the chip on /dev/ttyUSB0: hold BOOT while it connects, or check the cable',
  );
});
