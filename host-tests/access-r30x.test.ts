// The R30x driver against the simulated module: framing, every command, the flows, every
// confirmation code's error, and the bad input of issue 7 (garbage, short, oversized and
// wrong-sum packets, a slow or unplugged module); the packet parser fuzzed.
import test from 'ava';
import fc from 'fast-check';
import { R30x, R30xError, R30X_CODES, r30xCodeError } from '../firmware/access/r30x';
import { R30xParser, r30xEncode } from '../firmware/access/r30x-packet';
import { r30xRig } from '../hal/sim/r30x-chip';
import { fuzzRuns, reportSeed } from './support/fc-seed';

reportSeed(test.after.always, 'access-r30x.test.ts');

function hex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex').toUpperCase();
}

function setup(chipOpts = {}, drvOpts = {}) {
  const rig = r30xRig(chipOpts);
  const drv = new R30x({ Serial: rig.Serial, timer: rig.timer, ...drvOpts });
  return { ...rig, drv };
}

/** Run `start(done)` in simulated time until it calls back; the answer and the time it took. */
function run<T>(r: ReturnType<typeof setup>, start: (done: (...a: T[]) => void) => void, maxUs = 60e6): { args: T[]; us: number } {
  let out: T[] | undefined;
  let at = 0;
  const t0 = r.sched.now();
  start((...a: T[]) => {
    out = a;
    at = r.sched.now();
  });
  const end = t0 + maxUs;
  while (out === undefined && r.sched.now() < end) r.sched.runFor(1000);
  if (out === undefined) throw new Error('no callback within ' + maxUs / 1e6 + ' s');
  return { args: out, us: at - t0 };
}

test('framing: the GenImg packet of the R307 manual, byte for byte', (t) => {
  t.is(hex(r30xEncode(0xffffffff, 1, [0x01])), 'EF01FFFFFFFF01000301' + '0005');
  t.is(hex(r30xEncode(0xffffffff, 1, [0x13, 0, 0, 0, 0])), 'EF01FFFFFFFF010007130000000000' + '1B');
});

test('parser: resyncs on the header after garbage, reports sums, lengths and addresses', (t) => {
  const p = new R30xParser(0xffffffff);
  const got: string[] = [];
  p.onPacket = (pid, pl) => got.push(`ok ${pid} ${hex(pl)}`);
  p.onError = (e) => got.push(e);
  p.pushAll([0x00, 0xef, 0x00, 0xef, 0xef, 0x13]);
  p.pushAll(r30xEncode(0xffffffff, 7, [0x00]));
  const bad = r30xEncode(0xffffffff, 7, [0x08]);
  bad[bad.length - 1] ^= 1;
  p.pushAll(bad);
  p.pushAll([0xef, 0x01, 0xff, 0xff, 0xff, 0xff, 0x07, 0x01, 0x03]);
  p.pushAll([0xef, 0x01, 0xff, 0xff, 0xff, 0xff, 0x07, 0x00, 0x01]);
  p.pushAll(r30xEncode(0x12345678, 7, [0x00]));
  p.pushAll(r30xEncode(0xffffffff, 7, [0x09, 0, 1]));
  t.deepEqual(got, ['ok 7 00', 'checksum', 'oversized', 'short-length', 'address', 'ok 7 090001']);
});

/** A person enrolling: finger on, lifted 0.8 s after touching, on again 0.5 s later. */
function enrolHand(r: ReturnType<typeof setup>, who: number, second: 'same' | 'other' = 'same') {
  r.chip.fingerOn(who);
  const t = r.sched.now();
  r.sched.at(t + 800_000, () => r.chip.fingerOff());
  r.sched.at(t + 1_300_000, () => r.chip.fingerOn(second === 'same' ? who : who + 100));
}

test('commands: VfyPwd, ReadSysPara, TemplateNum, enrol (two captures), identify, delete one, wipe', (t) => {
  const r = setup({ password: 0x1234abcd }, { password: 0x1234abcd });
  t.is(run(r, (d) => r.drv.verifyPassword(d)).args[0], undefined);
  const sp = run(r, (d) => r.drv.readSysPara(d)).args[1] as any;
  t.like(sp, { capacity: 1000, baud: 57600, securityLevel: 3, address: 0xffffffff, packetBytes: 128 });
  enrolHand(r, 7);
  t.is(run(r, (d) => r.drv.enrol(5, d)).args[0], undefined);
  r.chip.fingerOff();
  enrolHand(r, 8);
  t.is(run(r, (d) => r.drv.enrol(6, d)).args[0], undefined);
  r.chip.fingerOff();
  t.is(run(r, (d) => r.drv.templateCount(d)).args[1], 2);
  r.chip.fingerOn(8);
  const id = run(r, (d) => r.drv.identify(d)).args;
  t.is(id[0], undefined);
  t.is((id[1] as any).pageId, 6);
  r.chip.fingerOn(9);
  const no = run(r, (d) => r.drv.identify(d)).args[0] as R30xError;
  t.is(no.code, 0x09);
  t.regex(no.message, /^R30x Search: 0x09 NOTFOUND/);
  t.is(run(r, (d) => r.drv.deleteOne(6, d)).args[0], undefined);
  r.chip.fingerOn(8);
  t.is((run(r, (d) => r.drv.identify(d)).args[0] as R30xError).code, 0x09, 'deleted');
  t.is(run(r, (d) => r.drv.wipe(d)).args[0], undefined);
  t.is(run(r, (d) => r.drv.templateCount(d)).args[1], 0);
});

test('enrolment: captures of two different fingers do not combine (0x0A ENROLLMISMATCH); a bad page is refused before the UART', (t) => {
  const r = setup();
  enrolHand(r, 7, 'other');
  const e = run(r, (d) => r.drv.enrol(1, d)).args[0] as R30xError;
  t.is(e.code, 0x0a);
  t.regex(e.message, /RegModel: 0x0a ENROLLMISMATCH/);
  const before = r.drv.stats.commands;
  const b = run(r, (d) => r.drv.enrol(1000, d)).args[0] as R30xError;
  t.is(b.kind, 'ARGUMENT');
  t.is(r.drv.stats.commands, before);
});

test('captures: noisy (0x06 IMAGEMESS), smudged (0x03 IMAGEFAIL), no finger (FINGER_TIMEOUT after the wait)', (t) => {
  const r = setup({}, { fingerWaitMs: 2000 });
  r.chip.fingerOn(1, 'noisy');
  t.is((run(r, (d) => r.drv.identify(d)).args[0] as R30xError).code, 0x06);
  r.chip.fingerOn(1, 'smudged');
  t.is((run(r, (d) => r.drv.identify(d)).args[0] as R30xError).code, 0x03);
  r.chip.fingerOff();
  const w = run(r, (d) => r.drv.identify(d));
  t.is((w.args[0] as R30xError).kind, 'FINGER_TIMEOUT');
  t.true(w.us >= 2e6 && w.us < 2.2e6, `${w.us} µs`);
});

test('a wrong module password: VfyPwd 0x13 PASSFAIL, and every other command 0x21 PASSVERIFY', (t) => {
  const r = setup({ password: 0x1234abcd }, { password: 0x0 });
  const e = run(r, (d) => r.drv.verifyPassword(d)).args[0] as R30xError;
  t.is(e.code, 0x13);
  t.regex(e.message, /VfyPwd: 0x13 PASSFAIL: wrong module password/);
  t.is((run(r, (d) => r.drv.templateCount(d)).args[0] as R30xError).code, 0x21);
});

test('every confirmation code maps to an error naming the part, the command and the code', (t) => {
  for (let c = 1; c < 256; c++) {
    const e = r30xCodeError('Search', c);
    t.is(e.part, 'R30x');
    t.is(e.code, c);
    t.true(e.message.startsWith('R30x Search: 0x' + c.toString(16).padStart(2, '0') + ' '), e.message);
    if (R30X_CODES[String(c)] === undefined) t.regex(e.message, /UNKNOWN/);
  }
  for (const [code, name] of [
    [1, 'PACKETRECIEVEERR'],
    [2, 'NOFINGER'],
    [3, 'IMAGEFAIL'],
    [6, 'IMAGEMESS'],
    [7, 'FEATUREFAIL'],
    [8, 'NOMATCH'],
    [9, 'NOTFOUND'],
    [10, 'ENROLLMISMATCH'],
    [11, 'BADLOCATION'],
    [19, 'PASSFAIL'],
    [24, 'FLASHERR'],
  ] as const)
    t.true(r30xCodeError('X', code).message.includes(name));
});

test('bad answers: garbage before it (resync), a wrong sum, a short and an oversized packet; none hangs', (t) => {
  const r = setup();
  r.chip.garbageBeforeNextReply();
  t.is(run(r, (d) => r.drv.templateCount(d)).args[1], 0, 'garbage skipped, header found');
  r.chip.corruptNextReply();
  t.is((run(r, (d) => r.drv.templateCount(d)).args[0] as R30xError).kind, 'CHECKSUM');
  r.chip.shortNextReply();
  const s = run(r, (d) => r.drv.templateCount(d));
  t.is((s.args[0] as R30xError).kind, 'SHORT');
  t.true(s.us <= 1.6e6);
  r.chip.oversizeNextReply();
  t.is((run(r, (d) => r.drv.templateCount(d)).args[0] as R30xError).kind, 'OVERSIZED');
  t.is(run(r, (d) => r.drv.templateCount(d)).args[1], 0, 'and the next command works');
});

test('a slow and an unplugged module: TIMEOUT after 1.5 s, then back to work; a second command while busy is refused', (t) => {
  const r = setup();
  r.chip.slowFactor = 400;
  const s = run(r, (d) => r.drv.templateCount(d));
  t.is((s.args[0] as R30xError).kind, 'TIMEOUT');
  t.is(s.us, 1.5e6 + 50, 'the timeout plus one timer callback (50 µs)');
  r.sched.runFor(5e6); // its late answer arrives and is dropped
  t.is(r.drv.stats.unexpected, 1);
  r.chip.slowFactor = 1;
  r.chip.unplugged = true;
  let second: R30xError | undefined;
  const u = run(r, (d) => {
    r.drv.templateCount(d);
    r.drv.wipe((e) => (second = e));
  });
  t.regex((u.args[0] as R30xError).message, /TemplateNum: TIMEOUT \(no acknowledge in 1500 ms: module unplugged/);
  t.is(second?.kind, 'BUSY');
  r.chip.unplugged = false;
  t.is(run(r, (d) => r.drv.templateCount(d)).args[1], 0);
});

test('finger-on to decision, at 57600 baud: the identify time the bench reports', (t) => {
  const r = setup();
  r.chip.preload(3, 42);
  r.chip.fingerOn(42);
  const id = run(r, (d) => r.drv.identify(d));
  t.is((id.args[1] as any).pageId, 3);
  // GenImg 250 ms + Img2Tz 150 ms + search 10 ms + 1000 x 0.2 ms, plus 6 packets (82 bytes,
  // 14.2 ms at 57600 8N1) on the wire and the JS callbacks
  t.true(id.us > 624_000 && id.us < 626_000, `${id.us} µs`);
});

test('fuzz: any bytes from the UART never throw, and every command still ends (acknowledge, error or timeout)', (t) => {
  fc.assert(
    fc.property(
      fc.array(fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(0xef, 0x01, 0xff, 0x07)), { maxLength: 300 }),
      fc.boolean(),
      (bytes, valid) => {
        const r = setup();
        r.chip.unplugged = true; // the fuzzer is the module
        let done = 0;
        r.drv.templateCount(() => done++);
        r.uart.hostWrite(bytes);
        if (valid) r.uart.hostWrite(r30xEncode(0xffffffff, 7, [0, 0, 1]));
        r.sched.runFor(2e6);
        return done === 1 && !r.drv.busy();
      },
    ),
    { numRuns: fuzzRuns(300) },
  );
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
      const p = new R30xParser(0xffffffff);
      let n = 0;
      p.onPacket = (_pid, pl) => {
        if (pl.length > 256) throw new Error('oversized payload passed');
        n++;
      };
      p.pushAll(bytes);
      return n >= 0;
    }),
    { numRuns: fuzzRuns(1000) },
  );
  t.pass();
});

test('ReadIndexTable: enrolment takes the lowest free page, not the template count (a deleted finger in the middle frees its page)', (t) => {
  const r = setup({ password: 0 }, { password: 0 });
  for (const [page, who] of [
    [0, 11],
    [1, 12],
    [2, 13],
  ]) {
    enrolHand(r, who);
    t.is(run(r, (d) => r.drv.enrol(page, d)).args[0], undefined);
    r.chip.fingerOff();
  }
  t.is(run(r, (d) => r.drv.freePage(d)).args[1], 3);
  t.is(run(r, (d) => r.drv.deleteOne(1, d)).args[0], undefined);
  t.is(run(r, (d) => r.drv.templateCount(d)).args[1], 2, 'the count would point at page 2, which holds finger 13');
  t.is(run(r, (d) => r.drv.freePage(d)).args[1], 1);
  const used = run(r, (d) => r.drv.indexTable(0, d)).args[1] as Uint8Array;
  t.is(used[0], 0b101);
  t.is((run(r, (d) => r.drv.indexTable(4, d)).args[0] as R30xError).kind, 'ARGUMENT');
});
