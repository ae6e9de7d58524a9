// First-run secrets of the household, kept in a git-ignored state folder (.smartmeter/ at
// the repository root unless --state-dir says otherwise), files mode 0600:
//   household.json   {user, password}: the household login for the page and the broker
//   gateway.json     {user, password}: the gateway's own broker account
//   tls/key.pem, tls/cert.pem   a self-signed certificate, made at first run with
//                    Debian's `openssl` CLI when the page binds beyond 127.0.0.1 (node's
//                    crypto makes keys, not X.509 certificates)
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

export interface Account {
  user: string;
  password: string;
}

function secret(): string {
  // 18 random bytes, base64url: 144 bits, typeable, no ambiguous punctuation
  return randomBytes(18).toString('base64url');
}

function account(dir: string, file: string, user: string): Account {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const p = join(dir, file);
  if (existsSync(p)) {
    const a = JSON.parse(readFileSync(p, 'utf8')) as Account;
    if (typeof a.user === 'string' && typeof a.password === 'string' && a.password.length >= 12) return a;
    throw new Error(`${p}: not {user, password} with a password of 12+ characters`);
  }
  const a = { user, password: secret() };
  writeFileSync(p, JSON.stringify(a) + '\n', { mode: 0o600, flag: 'wx' });
  chmodSync(p, 0o600);
  return a;
}

export const householdAccount = (dir: string): Account => account(dir, 'household.json', 'household');
export const gatewayAccount = (dir: string): Account => account(dir, 'gateway.json', 'gateway');

/** A self-signed certificate for `host` (made once with openssl), or an error naming what is missing. */
export function selfSignedCert(dir: string, host: string): { key: Buffer; cert: Buffer } | string {
  const d = join(dir, 'tls');
  const key = join(d, 'key.pem');
  const cert = join(d, 'cert.pem');
  if (!existsSync(key) || !existsSync(cert)) {
    mkdirSync(d, { recursive: true, mode: 0o700 });
    const san = /^[0-9.]+$/.test(host) ? `IP:${host}` : `DNS:${host}`;
    const r = spawnSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '825',
        '-subj',
        '/CN=smart-meter dashboard',
        '-addext',
        `subjectAltName=${san},DNS:localhost,IP:127.0.0.1`,
        '-keyout',
        key,
        '-out',
        cert,
      ],
      { encoding: 'utf8' },
    );
    if (r.error !== undefined || r.status !== 0)
      return `self-signed certificate: openssl failed (${r.error?.message ?? r.stderr.trim()}); give --tls-cert and --tls-key`;
    chmodSync(key, 0o600);
  }
  return { key: readFileSync(key), cert: readFileSync(cert) };
}
