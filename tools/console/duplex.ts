// A byte pipe between the host client and a node: a real serial port, a TCP socket, the
// simulated board's UART (board.uart: hostWrite/onHostData) or an in-process node.
export interface ByteDuplex {
  write(bytes: Uint8Array): void;
  onData(cb: (bytes: Uint8Array) => void): void;
}

/** A duplex the client can also close, and which reports the far end going away. */
export interface Port extends ByteDuplex {
  /** what the user typed for --port, for messages */
  readonly label: string;
  onClose(cb: (reason: string) => void): void;
  close(): Promise<void>;
}

/** Adapt the simulated board's UART (hal/sim/board.ts) to a ByteDuplex. */
export function fromSimUart(uart: { hostWrite(bytes: Uint8Array): void; onHostData(cb: (bytes: Uint8Array) => void): void }): ByteDuplex {
  return { write: (b) => uart.hostWrite(b), onData: (cb) => uart.onHostData(cb) };
}
