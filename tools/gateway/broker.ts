// The embedded broker: aedes 1.2.0 on a TCP port, with username/password and topic ACLs
// per role. aedes speaks MQTT 3.1.1 (its README: MQTT 5 "not support yet"), so clients of
// the embedded broker connect with protocolVersion 4; an external broker (Mosquitto,
// EMQX, VerneMQ) gets MQTT 5.
import { createServer } from 'node:net';
import type { Server } from 'node:net';
import { scryptSync, timingSafeEqual, randomBytes } from 'node:crypto';
import { Aedes } from 'aedes';
import type { Client, AuthenticateError } from 'aedes';

export type BrokerRole = 'household' | 'guest' | 'gateway';

export interface BrokerUser {
  name: string;
  role: BrokerRole;
  salt: Buffer;
  hash: Buffer;
}

export function brokerUser(name: string, password: string, role: BrokerRole): BrokerUser {
  const salt = randomBytes(16);
  return { name, role, salt, hash: scryptSync(password, salt, 32) };
}

/** MQTT topic filter match (+ and #) */
export function topicMatch(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length) return false;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}

/** Is every topic a subscription filter can match inside one of the allowed filters? (conservative) */
function filterWithin(sub: string, allowed: string): boolean {
  const s = sub.split('/');
  const a = allowed.split('/');
  for (let i = 0; i < s.length; i++) {
    if (a[i] === '#') return true;
    if (i >= a.length) return false;
    if (s[i] === '#') return false;
    if (a[i] === '+') continue;
    if (s[i] === '+' || s[i] !== a[i]) return false;
  }
  return s.length === a.length;
}

/** The ACL: which topics a role may publish to and subscribe to (docs/MONITORING.md). */
export const ACL: Record<BrokerRole, { publish: string[]; subscribe: string[] }> = {
  // Home Assistant and people of the house: read everything, switch relays
  household: { publish: ['cmnd/+/POWER'], subscribe: ['tele/#', 'stat/#', 'homeassistant/#', 'smartmeter/gateway/#'] },
  // a guest: readings and relay state, relay commands only through the guest topic (the
  // control unit still checks the pass and the scope)
  guest: { publish: ['cmnd/+/GUEST/POWER'], subscribe: ['tele/+/SENSOR', 'tele/+/LWT', 'stat/+/POWER', 'stat/+/RESULT'] },
  gateway: {
    publish: ['tele/#', 'stat/#', 'homeassistant/#', 'smartmeter/gateway/#'],
    subscribe: ['cmnd/#', 'stat/+/ENERGYDAY', 'tele/+/SENSOR', '$share/+/cmnd/#'],
  },
};

export interface EmbeddedBroker {
  port: number;
  aedes: Aedes;
  close(): Promise<void>;
}

export async function startBroker(o: { port: number; host?: string; users: BrokerUser[]; log?: (l: string) => void }): Promise<EmbeddedBroker> {
  const users = new Map(o.users.map((u) => [u.name, u]));
  const roleOf = new WeakMap<Client, BrokerRole>();
  const log = o.log ?? (() => undefined);
  const aedes = await Aedes.createBroker({
    authenticate: (client, username, password, done) => {
      const u = username === undefined ? undefined : users.get(username);
      const ok = u !== undefined && password !== undefined && timingSafeEqual(scryptSync(password, u.salt, 32), u.hash);
      if (!ok) {
        log(`mqtt: refused login ${JSON.stringify(username ?? '')}`);
        const e = new Error('bad user name or password') as AuthenticateError;
        e.returnCode = 4;
        return done(e, false);
      }
      roleOf.set(client, u.role);
      done(null, true);
    },
    authorizePublish: (client, packet, cb) => {
      if (client === null) return cb(null);
      const role = roleOf.get(client);
      if (role !== undefined && ACL[role].publish.some((f) => topicMatch(f, packet.topic))) return cb(null);
      log(`mqtt: ${role ?? '?'} may not publish to ${packet.topic}`);
      cb(new Error(`publish to ${packet.topic} not allowed`));
    },
    authorizeSubscribe: (client, sub, cb) => {
      const role = roleOf.get(client);
      if (role !== undefined && ACL[role].subscribe.some((f) => filterWithin(sub.topic, f))) return cb(null, sub);
      log(`mqtt: ${role ?? '?'} may not subscribe to ${sub.topic}`);
      // a refused filter is answered with a failure code, the connection stays up
      cb(null, null);
    },
  });
  const server: Server = createServer(aedes.handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host ?? '127.0.0.1', () => resolve());
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr !== null ? addr.port : o.port;
  return {
    port,
    aedes,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => undefined);
        aedes.close(() => resolve());
      }),
  };
}
