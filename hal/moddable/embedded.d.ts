// Minimal declarations of the Moddable SDK modules hal/moddable uses: ECMA-419 IO classes
// (embedded:io/*), the Moddable "timer", "time" and "preference" modules. Written from
// the ECMA-419 spec and the Moddable docs; only the members used here are declared.
// Ambient modules: they add no globals. The same sources are also checked against the
// SDK's @moddable/typings (tools/build/moddable/typings.ts, run by
// host-tests/build-moddable.test.ts), which are stricter in places.

declare module 'embedded:io/analog' {
  export default class Analog {
    constructor(options: { pin: number; resolution?: number });
    readonly resolution: number;
    read(): number;
    close(): void;
  }
}

declare module 'embedded:io/digital' {
  export default class Digital {
    static readonly Input: number;
    static readonly InputPullUp: number;
    static readonly InputPullDown: number;
    static readonly Output: number;
    static readonly OutputOpenDrain: number;
    static readonly Rising: number;
    static readonly Falling: number;
    constructor(options: { pin: number; mode: number; edge?: number; onReadable?: () => void });
    read(): number;
    write(value: number): void;
    close(): void;
  }
}

declare module 'embedded:io/serial' {
  export default class Serial {
    constructor(options: {
      port?: number;
      baud: number;
      transmit?: number;
      receive?: number;
      format?: 'number' | 'buffer';
      onReadable?: (count: number) => void;
    });
    read(): number | undefined;
    write(data: number | ArrayBufferLike): void;
    close(): void;
  }
}

declare module 'embedded:io/spi' {
  export default class SPI {
    constructor(options: { port?: number; select: number; hz: number; mode?: number; in: number; out: number; clock: number });
    transfer(buffer: ArrayBufferLike | Uint8Array): void;
    close(): void;
  }
}

declare module 'timer' {
  const Timer: {
    set(callback: () => void, delayMs?: number, repeatMs?: number): unknown;
    clear(id: unknown): void;
  };
  export default Timer;
}

declare module 'time' {
  const Time: { readonly ticks: number; readonly microseconds?: number; set(seconds: number): void };
  export default Time;
}

declare module 'preference' {
  const Preference: {
    get(domain: string, key: string): ArrayBuffer | string | number | boolean | undefined;
    set(domain: string, key: string, value: ArrayBuffer): void;
    delete(domain: string, key: string): void;
  };
  export default Preference;
}
