// Everything behind `npm start` and `npm run gateway`: the embedded broker (or an external
// one), the gateway, the SQLite history and the dashboard, on one PC-link source.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startBroker, brokerUser } from './broker';
import type { EmbeddedBroker } from './broker';
import { Gateway } from './gateway';
import type { LineSource } from './gateway';
import { History } from './history';
import { Dashboard, isLoopback } from './dashboard';
import { gatewayAccount, householdAccount, selfSignedCert } from './credentials';

export interface ServiceOptions {
  source: LineSource;
  stateDir: string;
  httpHost: string;
  httpPort: number;
  mqttPort: number;
  /** an external broker (mqtt://host:port or mqtts://); its accounts are the operator's */
  mqttUrl?: string;
  mqttUser?: string;
  mqttPassword?: string;
  tlsCert?: string;
  tlsKey?: string;
  home?: string;
  boards?: Record<number, string>;
  names?: Record<number, string>;
  log?: (l: string) => void;
}

export interface Service {
  dashboardUrl: string;
  mqttUrl: string;
  user: string;
  password: string;
  gateway: Gateway;
  dashboard: Dashboard;
  history: History;
  stop(): Promise<void>;
}

export async function startService(o: ServiceOptions): Promise<Service> {
  const log = o.log ?? ((l: string) => process.stderr.write(l + '\n'));
  const household = householdAccount(o.stateDir);
  const gwAcc = gatewayAccount(o.stateDir);
  let tls: { key: Buffer; cert: Buffer } | undefined;
  if (o.tlsCert !== undefined || o.tlsKey !== undefined) {
    if (o.tlsCert === undefined || o.tlsKey === undefined) throw new Error('--tls-cert and --tls-key go together');
    tls = { cert: readFileSync(o.tlsCert), key: readFileSync(o.tlsKey) };
  } else if (!isLoopback(o.httpHost)) {
    const c = selfSignedCert(o.stateDir, o.httpHost);
    if (typeof c === 'string') throw new Error(c);
    tls = c;
  }
  let broker: EmbeddedBroker | undefined;
  let mqttUrl = o.mqttUrl;
  if (mqttUrl === undefined) {
    broker = await startBroker({
      port: o.mqttPort,
      users: [brokerUser(household.user, household.password, 'household'), brokerUser(gwAcc.user, gwAcc.password, 'gateway')],
      log,
    });
    mqttUrl = `mqtt://127.0.0.1:${broker.port}`;
  }
  const gateway = new Gateway({
    mqttUrl,
    username: o.mqttUrl ? o.mqttUser : gwAcc.user,
    password: o.mqttUrl ? o.mqttPassword : gwAcc.password,
    protocolVersion: broker ? 4 : 5,
    source: o.source,
    log: (l) => log(`gateway: ${l}`),
    home: o.home,
    boards: o.boards,
    names: o.names,
  });
  const history = new History(join(o.stateDir, 'history.db'));
  const dashboard = new Dashboard({ gateway, history, host: o.httpHost, port: o.httpPort, tls, household, log });
  try {
    await gateway.start();
    await dashboard.listen();
  } catch (e) {
    await gateway.stop().catch(() => undefined);
    history.close();
    await broker?.close();
    throw e;
  }
  const host = o.httpHost.includes(':') ? `[${o.httpHost}]` : o.httpHost;
  return {
    dashboardUrl: `${tls ? 'https' : 'http'}://${host}:${dashboard.port}/`,
    mqttUrl,
    user: household.user,
    password: household.password,
    gateway,
    dashboard,
    history,
    stop: async () => {
      await dashboard.close();
      await gateway.stop();
      history.close();
      await broker?.close();
    },
  };
}
