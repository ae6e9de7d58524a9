// The dashboard as a user sees it: Debian's chromium driven by playwright-core (never a
// downloaded browser). Logs in, sees live values change, switches a relay, sees a trip
// appear after a simulated fault, issues a guest pass; the guest logs in with its code and
// is refused relay-on. A screenshot is saved on failure. Skips visibly when chromium is
// missing.
import test from 'ava';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import jsQR from 'jsqr';
import { HOME_EPOCH_S, SimHome } from '../tools/home/home';
import { base32Decode, totp, TOTP_DEFAULTS } from '../firmware/access/otp';
import { HomeSource } from '../tools/gateway/sources';
import { startService } from '../tools/gateway/service';

const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

// a missing browser skips, visibly, with the reason in the title (it never passes)
const noChromium = CHROMIUM === undefined ? ' [SKIPPED: chromium not installed (Debian package chromium)]' : '';
(noChromium === '' ? test : test.skip)(
  `a household member logs in, watches live values, switches a relay, sees a trip and issues a guest pass; the guest logs in and is refused relay-on${noChromium}`,
  async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'dash-ui-'));
    const profile = join(dir, 'profile');
    const home = new SimHome({ seed: 11 });
    const svc = await startService({
      source: new HomeSource(home),
      stateDir: join(dir, 'state'),
      httpHost: '127.0.0.1',
      httpPort: 0,
      mqttPort: 0,
      log: () => undefined,
    });
    home.start(10);
    const ctx = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: FLAGS,
      viewport: { width: 390, height: 844 },
    });
    const page = ctx.pages()[0] ?? (await ctx.newPage());
    try {
      await page.goto(svc.dashboardUrl);
      await page.fill('#login-form input[name=user]', svc.user);
      await page.fill('#login-form input[name=password]', 'wrong');
      await page.click('#login-form button');
      await page.waitForSelector('#login-error:text("wrong user name or password")');
      await page.fill('#login-form input[name=password]', svc.password);
      await page.click('#login-form button');
      await page.waitForSelector('#app:not([hidden])');
      // live values: a reading arrives over SSE, then the values change
      await page.waitForSelector('#node-2 [data-k=V]:text-matches("V$")', { timeout: 15_000 });
      const first = await page.locator('#nodes').innerText();
      const end = Date.now() + 15_000;
      while ((await page.locator('#nodes').innerText()) === first) {
        if (Date.now() > end) throw new Error('live values did not change in 15 s');
        await page.waitForTimeout(200);
      }
      // the Privacy & energy panel: the unit's `energy` line (every 10 s of the home's time,
      // 1 s at speed 10) over SSE; the battery's owner, SoC, real vs visible load, the plan
      await page.waitForSelector('#energy:not([hidden]) [data-e=soc]:text-matches("^[0-9]+\\.[0-9] %$")', { timeout: 15_000 });
      await page.waitForSelector('#energy [data-e=owner]:text("privacy")');
      await page.waitForSelector('#energy [data-e=visible]:text-matches("^[0-9]+ W$")');
      await page.waitForSelector('#energy [data-e=loads] li:has-text("water heater (node:3): off")', { timeout: 15_000 });
      await page.waitForSelector('#energy [data-e=cost]:text("cost 0.36")');
      const e1 = await page.locator('#energy dl').innerText();
      const eEnd = Date.now() + 15_000;
      while ((await page.locator('#energy dl').innerText()) === e1) {
        if (Date.now() > eEnd) throw new Error('the energy panel did not change in 15 s');
        await page.waitForTimeout(200);
      }
      await page.waitForSelector('#energy-chart .uplot', { timeout: 15_000 });
      // usable on a phone: the panel fits the 390 px viewport without sideways scrolling
      t.true(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth'), 'no horizontal scroll at 390 px');
      // relay off on node 2: the household may
      await page.click('#node-2 button[data-relay=off]');
      await page.waitForSelector('#node-2 [data-k=relay]:text("open")', { timeout: 15_000 });
      t.is(home.net.nodeOf(2).node.state(), 'open');
      // a fault trips node 1: the trip shows on the timeline
      home.fault('short-circuit', 1);
      await page.waitForSelector('#trips li:has-text("node 1: tripped")', { timeout: 15_000 });
      await page.waitForSelector('#node-1 [data-k=relay]:text("tripped")', { timeout: 15_000 });
      // charts drawn from the history
      await page.waitForSelector('#charts .uplot', { timeout: 15_000 });
      t.is(await page.locator('#charts .uplot').count(), 5);
      // a guest pass: the control unit's access module makes it; the page shows the code once.
      // A TOTP code lives one 30 s step either side: at speed 1 it outlives the guest's typing.
      home.stop();
      home.start(1);
      await page.selectOption('#guest-pass-form select[name=scope]', 'read');
      await page.click('#guest-pass-form button');
      const out = page.locator('#guest-pass-out');
      await page.waitForSelector('#guest-pass-out:text-matches("Guest code: [0-9]{7,9}")', { timeout: 15_000 });
      const code = (await out.innerText()).replace('Guest code: ', '').trim();
      // the QR on the canvas is the pass's otpauth URI: its key makes the code the page shows
      const shot = (await page.evaluate(
        `(function () { var c = document.getElementById('guest-pass-qr'); var d = c.getContext('2d').getImageData(0, 0, c.width, c.height); return { w: c.width, h: c.height, px: Array.from(d.data) }; })()`,
      )) as { w: number; h: number; px: number[] };
      const scanned = jsQR(Uint8ClampedArray.from(shot.px), shot.w, shot.h);
      t.truthy(scanned, 'the canvas holds a readable QR code');
      const m = /^otpauth:\/\/totp\/SmartMeter:guest(\d+)\?secret=([A-Z2-7]+)&/.exec(scanned?.data ?? '');
      t.truthy(m, `an otpauth URI: ${scanned?.data.slice(0, 40)}...`);
      t.true(code.startsWith(m![1]), 'the code begins with the pass number the URI names');
      const key = base32Decode(m![2])!;
      const around = HOME_EPOCH_S + home.nowS();
      let keyMakesCode = false;
      for (let k = -4; k <= 4; k++) keyMakesCode ||= totp(key, around + k * 30, TOTP_DEFAULTS) === code.slice(m![1].length);
      t.true(keyMakesCode, "the scanned key gives the code the unit issued (a guest's authenticator app)");
      t.true(
        await page
          .locator('#guest-pass-uri')
          .innerText()
          .then((s) => s.includes(scanned!.data)),
        'the URI is shown for manual entry',
      );
      await page.waitForSelector('#access li:has-text("pass-issued")', { timeout: 15_000 });
      // the guest, on the same page after the household logs out
      await page.click('#logout');
      await page.waitForSelector('#login:not([hidden])');
      await page.fill('#guest-form input[name=code]', code);
      await page.click('#guest-form button');
      await page.waitForSelector('#who:text("(guest)")', { timeout: 15_000 });
      // data minimisation: a guest gets no real load, neither the panel nor its API
      t.true(await page.locator('#energy').isHidden(), "the energy panel is the household's");
      t.is(await page.evaluate(() => fetch('/api/energy').then((r) => r.status)), 403);
      t.is(
        await page.evaluate(() =>
          fetch('/api/state')
            .then((r) => r.json())
            .then((j) => (j as { energy: unknown }).energy),
        ),
        null,
      );
      // ... nor the SSE event: 12 s of the home (an `energy` line at least) while the guest listens
      await page.evaluate(
        `window.__ev = []; (function () { var es = new EventSource('/events'); ['reading', 'energy'].forEach(function (k) { es.addEventListener(k, function () { window.__ev.push(k); }); }); })()`,
      );
      await page.waitForTimeout(300);
      home.step(12);
      await page.waitForFunction('window.__ev.indexOf("reading") >= 0', undefined, { timeout: 15_000 });
      await page.waitForTimeout(500);
      t.false(((await page.evaluate('window.__ev')) as string[]).includes('energy'), 'no energy event to a guest');
      t.true(
        home.access.log.entries(0, 100).some((e) => e.kind === 'pass-used'),
        'the unit took the code',
      );
      // a guest may not close a relay: the unit's role table refuses, and the page says why
      await page.waitForSelector('#node-2 button[data-relay=on]', { timeout: 15_000 });
      await page.click('#node-2 button[data-relay=on]');
      await page.waitForSelector('#relay-error:text-matches("forbidden: relay-on is not allowed to guest")', { timeout: 15_000 });
      t.is(home.net.nodeOf(2).node.state(), 'open', 'the relay stayed open');
    } catch (e) {
      const shot = join(tmpdir(), `dashboard-failure-${Date.now()}.png`);
      await page.screenshot({ path: shot, fullPage: true }).catch(() => undefined);
      t.log(`screenshot: ${shot}`);
      throw e;
    } finally {
      await ctx.close().catch(() => undefined);
      home.stop();
      await svc.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
