// Exposes any ByteDuplex (the simulated board's UART, an in-process node) as a TCP port on
// 127.0.0.1, so the console client can be run end to end with --port tcp://127.0.0.1:PORT.
// Loopback only; one client at a time (a second one gets a JSON "busy" line and is closed);
// a client that stops reading is dropped once maxBufferedBytes wait for it; the bridge
// closes itself after idleMs without traffic, or when its client leaves if `once` is set.
import { createServer, type Socket } from 'node:net';
import type { ByteDuplex } from './duplex';

export interface TcpBridgeOptions {
  /** 0 (default) picks a free port */
  port?: number;
  idleMs?: number;
  maxBufferedBytes?: number;
  once?: boolean;
}

export interface TcpBridge {
  port: number;
  /** resolves when the bridge has closed, with the reason */
  closed: Promise<string>;
  close(reason?: string): void;
}

export const BUSY_LINE = '{"Command":"Bridge","Error":"busy: another client is attached"}\r\n';

export function startTcpBridge(duplex: ByteDuplex, options: TcpBridgeOptions = {}): Promise<TcpBridge> {
  const idleMs = options.idleMs ?? 10 * 60_000;
  const maxBuffered = options.maxBufferedBytes ?? 64 * 1024;
  let client: Socket | undefined;
  let idle: NodeJS.Timeout | undefined;
  let done: (reason: string) => void = () => {};
  const closed = new Promise<string>((r) => (done = r));
  const server = createServer({ noDelay: true });
  let isClosed = false;
  const sockets = new Set<Socket>();

  const close = (reason = 'closed') => {
    if (isClosed) return;
    isClosed = true;
    if (idle) clearTimeout(idle);
    for (const s of sockets) s.destroy();
    server.close(() => done(reason));
  };
  const touch = () => {
    if (idle) clearTimeout(idle);
    idle = setTimeout(() => close('idle'), idleMs);
    idle.unref();
  };

  duplex.onData((bytes) => {
    if (client === undefined || client.destroyed) return;
    touch();
    client.write(bytes);
    if (client.writableLength > maxBuffered) client.destroy(); // the reader stalled: drop it, keep the node
  });

  server.on('connection', (sock) => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    // a client that has sent its FIN is leaving: let the next one in
    if (client !== undefined && !client.destroyed && !client.readableEnded) {
      sock.end(BUSY_LINE);
      return;
    }
    client = sock;
    touch();
    sock.on('data', (chunk: Buffer) => {
      touch();
      duplex.write(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length));
    });
    sock.on('error', () => sock.destroy());
    sock.on('close', () => {
      if (client === sock) client = undefined;
      if (options.once) close('client left');
    });
  });

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      const addr = server.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      touch();
      resolve({ port, closed, close });
    });
  });
}
