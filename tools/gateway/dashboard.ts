// The dashboard: node:http(s), no framework. Live values over Server-Sent Events
// (/events, as ESPHome does), history charts with uPlot served from node_modules (no
// CDN), relay control for the household, a guest login through the control unit, and the
// unit's "Privacy & energy" panel (real vs visible load, SoC, the battery's owner, the day's
// plan) for the household only: the real load is what the battery hides from the utility,
// so a guest's session neither gets it in /api/state nor over /events.
//
// Security (docs/MONITORING.md): 127.0.0.1 by default; any other address only with TLS
// (the caller refuses to start otherwise). Session cookie HttpOnly, SameSite=Strict,
// Secure under TLS; a CSRF token (per session, sent in X-CSRF-Token) on every POST but
// the login; logins rate-limited per client address and overall; bodies over 4 kB
// refused (413); static files from a fixed list only (a path with .. or an unknown name is
// refused); no secret in any page (the page learns its CSRF token from /api/session).
import { createServer as createHttp } from 'node:http';
import type { IncomingMessage, ServerResponse, Server } from 'node:http';
import { createServer as createHttps } from 'node:https';
import { randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Gateway } from './gateway';
import type { History } from './history';
import type { DeviceMsg } from './lines';
import type { EnergyPayload, PlanPayload } from './unit-energy';
import { qrRows } from './qr';

const HERE = dirname(fileURLToPath(import.meta.url));
const UPLOT = dirname(createRequire(import.meta.url).resolve('uplot/dist/uPlot.iife.min.js'));
export const MAX_BODY = 4096;
const SESSION_MS = 12 * 3600_000;
/** failed logins allowed per client address per window, and overall */
export const LOGIN_LIMIT = { perClient: 5, overall: 30, windowMs: 60_000 };

const STATIC: Record<string, { file: string; type: string }> = {
  '/': { file: join(HERE, 'web/index.html'), type: 'text/html; charset=utf-8' },
  '/app.js': { file: join(HERE, 'web/app.js'), type: 'text/javascript; charset=utf-8' },
  '/app.css': { file: join(HERE, 'web/app.css'), type: 'text/css; charset=utf-8' },
  '/uPlot.iife.min.js': { file: join(UPLOT, 'uPlot.iife.min.js'), type: 'text/javascript; charset=utf-8' },
  '/uPlot.min.css': { file: join(UPLOT, 'uPlot.min.css'), type: 'text/css; charset=utf-8' },
};

export interface DashboardOptions {
  gateway: Gateway;
  history: History | undefined;
  host: string;
  port: number;
  tls?: { key: Buffer; cert: Buffer };
  household: { user: string; password: string };
  log?: (l: string) => void;
}

interface Session {
  user: string;
  role: 'household' | 'guest';
  csrf: string;
  expires: number;
  code: string;
}

export function isLoopback(host: string): boolean {
  return host === '127.0.0.1' || host === '::1' || host === 'localhost';
}

export class Dashboard {
  server!: Server;
  port = 0;
  private readonly sessions = new Map<string, Session>();
  private readonly fails = new Map<string, number[]>();
  private failsAll: number[] = [];
  /** SSE clients and their session's role */
  private readonly clients = new Map<ServerResponse, Session['role']>();
  /** the unit's last energy state and plan (a cache of what the gateway publishes) */
  private energy: { state: EnergyPayload; plan: PlanPayload } | undefined;
  private readonly salt = randomBytes(16);
  private readonly hash: Buffer;
  /** the latest reading and SENSOR of each node (a cache of what the unit sends; rebuilt within one report interval) */
  private readonly latest = new Map<number, { reading?: DeviceMsg; sensor?: unknown }>();
  private readonly recent: { kind: string; at: string; msg: DeviceMsg }[] = [];
  private readonly log: (l: string) => void;

  constructor(readonly o: DashboardOptions) {
    if (!isLoopback(o.host) && o.tls === undefined)
      throw new Error(`dashboard: binding ${o.host} needs TLS (--tls-cert/--tls-key, or the self-signed certificate made at first run)`);
    this.hash = scryptSync(o.household.password, this.salt, 32);
    this.log = o.log ?? (() => undefined);
    o.gateway.on('msg', (m: DeviceMsg, wall: Date) => this.onMsg(m, wall));
    o.gateway.on('sensor', (node: number, sensor: unknown) => {
      const e = this.latest.get(node) ?? {};
      e.sensor = sensor;
      this.latest.set(node, e);
      this.push('sensor', { node, sensor });
    });
    o.gateway.on('energy', (state: EnergyPayload, plan: PlanPayload) => {
      this.energy = { state, plan };
      this.push('energy', this.energy, true);
    });
  }

  async listen(): Promise<number> {
    const h = (req: IncomingMessage, res: ServerResponse) => {
      this.handle(req, res).catch((e) => {
        this.log(`dashboard: ${(e as Error).message}`);
        if (!res.headersSent) this.send(res, 500, { error: 'internal error' });
      });
    };
    this.server = this.o.tls ? createHttps({ key: this.o.tls.key, cert: this.o.tls.cert }, h) : createHttp(h);
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.o.port, this.o.host, () => resolve());
    });
    const a = this.server.address();
    this.port = typeof a === 'object' && a !== null ? a.port : this.o.port;
    return this.port;
  }

  async close(): Promise<void> {
    for (const [c] of this.clients) c.end();
    this.clients.clear();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  private onMsg(m: DeviceMsg, wall: Date): void {
    const ms = wall.getTime();
    const h = this.o.history;
    if (m.type === 'reading') {
      const e = this.latest.get(m.node) ?? {};
      e.reading = m;
      this.latest.set(m.node, e);
      h?.reading(m, ms);
      this.push('reading', m);
    } else if (m.type === 'energy') {
      h?.energy(m, ms);
    } else if (m.type === 'trip' || m.type === 'alarm' || m.type === 'access') {
      if (m.type === 'trip') h?.trip(m, ms);
      if (m.type === 'alarm') h?.alarm(m, ms);
      if (m.type === 'access') h?.access(m, ms);
      this.recent.push({ kind: m.type, at: wall.toISOString(), msg: m });
      if (this.recent.length > 200) this.recent.shift();
      this.push(m.type, { at: ms, ...m });
    }
  }

  private push(event: string, data: unknown, householdOnly = false): void {
    const s = `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
    for (const [c, role] of this.clients) if (!householdOnly || role === 'household') c.write(s);
  }

  private headers(type: string): Record<string, string> {
    return {
      'Content-Type': type,
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
      'X-Frame-Options': 'DENY',
      'Referrer-Policy': 'no-referrer',
      'Content-Security-Policy':
        "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
      ...(this.o.tls ? { 'Strict-Transport-Security': 'max-age=31536000' } : {}),
    };
  }

  private send(res: ServerResponse, code: number, body: unknown, extra: Record<string, string> = {}): void {
    res.writeHead(code, { ...this.headers('application/json'), ...extra });
    res.end(JSON.stringify(body));
  }

  private session(req: IncomingMessage): { sid: string; s: Session } | undefined {
    const c = req.headers.cookie ?? '';
    const m = /(?:^|;\s*)sid=([A-Za-z0-9_-]{20,})/.exec(c);
    if (m === null) return undefined;
    const s = this.sessions.get(m[1]);
    if (s === undefined || s.expires < Date.now()) {
      this.sessions.delete(m[1]);
      return undefined;
    }
    return { sid: m[1], s };
  }

  private cookie(sid: string, maxAgeS: number): string {
    return `sid=${sid}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${maxAgeS}${this.o.tls ? '; Secure' : ''}`;
  }

  private async body(req: IncomingMessage): Promise<Record<string, unknown> | string> {
    const len = Number(req.headers['content-length'] ?? '0');
    if (len > MAX_BODY) return 'too large';
    const chunks: Buffer[] = [];
    let n = 0;
    for await (const c of req) {
      n += (c as Buffer).length;
      if (n > MAX_BODY) return 'too large';
      chunks.push(c as Buffer);
    }
    try {
      const j = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
      return j !== null && typeof j === 'object' && !Array.isArray(j) ? j : 'not a JSON object';
    } catch {
      return 'not JSON';
    }
  }

  private limited(addr: string, now: number): boolean {
    const w = LOGIN_LIMIT.windowMs;
    const mine = (this.fails.get(addr) ?? []).filter((x) => x > now - w);
    this.fails.set(addr, mine);
    this.failsAll = this.failsAll.filter((x) => x > now - w);
    return mine.length >= LOGIN_LIMIT.perClient || this.failsAll.length >= LOGIN_LIMIT.overall;
  }

  private failed(addr: string, now: number): void {
    this.fails.get(addr)!.push(now);
    this.failsAll.push(now);
  }

  private newSession(res: ServerResponse, user: string, role: Session['role'], code: string): void {
    const sid = randomBytes(24).toString('base64url');
    const s: Session = { user, role, csrf: randomBytes(24).toString('base64url'), expires: Date.now() + SESSION_MS, code };
    this.sessions.set(sid, s);
    this.send(res, 200, { user, role, csrf: s.csrf }, { 'Set-Cookie': this.cookie(sid, SESSION_MS / 1000) });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    const path = url.pathname;
    const raw = req.url ?? '';
    if (raw.includes('..') || /%2e|%2f|%5c|\\/i.test(raw.split('?')[0])) return this.send(res, 400, { error: 'path refused' });
    if (req.method === 'GET' && STATIC[path] !== undefined) {
      const f = STATIC[path];
      res.writeHead(200, this.headers(f.type));
      res.end(readFileSync(f.file));
      return;
    }
    const addr = req.socket.remoteAddress ?? '?';
    if (req.method === 'POST') {
      const b = await this.body(req);
      if (b === 'too large') {
        this.send(res, 413, { error: `body over ${MAX_BODY} bytes` }, { Connection: 'close' });
        req.destroy();
        return;
      }
      if (typeof b === 'string') return this.send(res, 400, { error: `body: ${b}` });
      return this.post(path, b, req, res, addr);
    }
    if (req.method !== 'GET') return this.send(res, 405, { error: 'method not allowed' });
    const ses = this.session(req);
    if (path === '/api/session')
      return ses ? this.send(res, 200, { user: ses.s.user, role: ses.s.role, csrf: ses.s.csrf }) : this.send(res, 401, { error: 'not logged in' });
    if (path.startsWith('/api/') || path === '/events') {
      if (ses === undefined) return this.send(res, 401, { error: 'not logged in' });
    } else return this.send(res, 404, { error: 'not found' });
    if (path === '/events') {
      res.writeHead(200, { ...this.headers('text/event-stream'), Connection: 'keep-alive' });
      res.write(': live values\n\n');
      this.clients.set(res, ses.s.role);
      req.on('close', () => this.clients.delete(res));
      return;
    }
    if (path === '/api/state') {
      const nodes: Record<string, unknown> = {};
      for (const [n, v] of this.latest) nodes[n] = v;
      const h = this.o.history;
      return this.send(res, 200, {
        nodes,
        trips: h ? h.events('trips', 50) : this.recent.filter((r) => r.kind === 'trip'),
        alarms: h ? h.events('alarms', 50) : this.recent.filter((r) => r.kind === 'alarm'),
        access: h ? h.events('access', 50) : this.recent.filter((r) => r.kind === 'access'),
        energy: ses.s.role === 'household' ? (this.energy ?? null) : null,
      });
    }
    if (path === '/api/history') {
      const node = Number(url.searchParams.get('node'));
      const span = Number(url.searchParams.get('span') ?? '3600');
      if (!Number.isInteger(node) || node < 1 || node > 254) return this.send(res, 400, { error: 'node: 1..254' });
      if (!(span >= 60 && span <= 400 * 86400)) return this.send(res, 400, { error: 'span: 60 s .. 400 days' });
      if (this.o.history === undefined) return this.send(res, 503, { error: 'no history database' });
      const to = Math.floor(Date.now() / 1000);
      return this.send(res, 200, this.o.history.series(node, to - span, to));
    }
    if (path === '/api/energy') {
      if (ses.s.role !== 'household') return this.send(res, 403, { error: 'only the household sees the real load' });
      const span = Number(url.searchParams.get('span') ?? '3600');
      if (!(span >= 60 && span <= 35 * 86400)) return this.send(res, 400, { error: 'span: 60 s .. 35 days' });
      if (this.o.history === undefined) return this.send(res, 503, { error: 'no history database' });
      const to = Math.floor(Date.now() / 1000);
      return this.send(res, 200, this.o.history.energySeries(to - span, to));
    }
    return this.send(res, 404, { error: 'not found' });
  }

  private async post(path: string, b: Record<string, unknown>, req: IncomingMessage, res: ServerResponse, addr: string): Promise<void> {
    const now = Date.now();
    if (path === '/api/login' || path === '/api/guest-login') {
      if (this.limited(addr, now)) return this.send(res, 429, { error: 'too many failed logins; wait a minute' }, { 'Retry-After': '60' });
      if (path === '/api/login') {
        const ok =
          b.user === this.o.household.user &&
          typeof b.password === 'string' &&
          b.password.length < 200 &&
          timingSafeEqual(scryptSync(b.password, this.salt, 32), this.hash);
        if (!ok) {
          this.failed(addr, now);
          this.log(`dashboard: failed login from ${addr}`);
          return this.send(res, 401, { error: 'wrong user name or password' });
        }
        return this.newSession(res, this.o.household.user, 'household', '');
      }
      // GUEST SEAM: the control unit's access module checks the code (PC-link guest-login,
      // docs/PC-LINK.md); the gateway never decides it. Until the access module is merged
      // the unit answers "guest: no access module on this unit".
      const code = typeof b.code === 'string' ? b.code : '';
      if (!/^[0-9A-Za-z]{4,16}$/.test(code)) {
        this.failed(addr, now);
        return this.send(res, 400, { error: 'code: 4..16 letters or digits' });
      }
      const a = await this.o.gateway.request({ cmd: 'guest-login', role: 'guest', code });
      if (!a.ok) {
        this.failed(addr, now);
        return this.send(res, 401, { error: a.error });
      }
      return this.newSession(res, 'guest', 'guest', code);
    }
    const ses = this.session(req);
    if (ses === undefined) return this.send(res, 401, { error: 'not logged in' });
    const token = req.headers['x-csrf-token'];
    if (typeof token !== 'string' || token.length !== ses.s.csrf.length || !timingSafeEqual(Buffer.from(token), Buffer.from(ses.s.csrf)))
      return this.send(res, 403, { error: 'missing or wrong CSRF token' });
    if (path === '/api/logout') {
      this.sessions.delete(ses.sid);
      return this.send(res, 200, { ok: true }, { 'Set-Cookie': this.cookie('x'.repeat(20), 0) });
    }
    if (path === '/api/relay') {
      const node = b.node;
      const state = b.state;
      if (typeof node !== 'number' || !Number.isInteger(node) || node < 1 || node > 254) return this.send(res, 400, { error: 'node: 1..254' });
      if (state !== 'on' && state !== 'off') return this.send(res, 400, { error: 'state: on or off' });
      const cmd: Record<string, unknown> = { cmd: 'relay', role: ses.s.role, node, state };
      if (ses.s.role === 'guest') cmd.code = ses.s.code;
      const a = await this.o.gateway.request(cmd);
      return a.ok ? this.send(res, 200, { node, state }) : this.send(res, 409, { error: a.error });
    }
    if (path === '/api/guest-pass') {
      // GUEST SEAM: the control unit's access module makes the pass (PC-link guest-pass,
      // household only); the gateway only carries the request and shows the code once.
      if (ses.s.role !== 'household') return this.send(res, 403, { error: 'only the household issues guest passes' });
      const a = await this.o.gateway.request({ cmd: 'guest-pass', role: 'household', scope: b.scope, uses: b.uses, minutes: b.minutes });
      if (!a.ok) return this.send(res, 409, { error: a.error });
      // the URI carries the pass's key: it goes to this household page once (no-store), as a
      // QR for the guest's authenticator app, and is neither logged nor kept here
      const uri = typeof a.body.uri === 'string' && a.body.uri.startsWith('otpauth://totp/') ? a.body.uri : undefined;
      return this.send(res, 200, {
        code: a.body.code,
        pass: a.body.pass,
        scope: a.body.scope,
        uses: a.body.uses,
        minutes: a.body.minutes,
        ...(uri === undefined ? {} : { uri, qr: qrRows(uri) }),
      });
    }
    return this.send(res, 404, { error: 'not found' });
  }
}
