// Radio HAL: a frame radio as firmware sees it. Providers: firmware/link/nrf24.ts (an
// nRF24L01+ over SPI, any board), hal/sim/radio-sim.ts (a packet radio on the simulated
// medium, used for the LoRa SX127x and ESP-NOW profiles), and device providers.
// Types only: erases to nothing, so firmware/ stays portable.

export type RadioProfileName = 'nrf24' | 'lora' | 'espnow';

export interface Radio {
  readonly profile: RadioProfileName;
  /** largest frame send() takes, bytes (nRF24 32, SX127x 255, ESP-NOW 250) */
  readonly maxPayload: number;
  /**
   * Queue one frame for the peer. Returns false, with no side effect, when the frame is
   * empty or longer than maxPayload, or the transmit queue is full.
   */
  send(frame: Uint8Array): boolean;
  /** Called on the JS thread with each received frame; the array is reused: copy to keep. */
  onReceive: ((frame: Uint8Array) => void) | undefined;
  /** Delivery report per send(), where the radio has one (nRF24 auto-ack); else true once on air. */
  onSent: ((delivered: boolean) => void) | undefined;
  /**
   * Stop handing received frames to the JS thread until resumeReceive(); frames that come
   * meanwhile wait in the radio (or are dropped there when it is full) at no CPU cost.
   * Optional: a radio without it is paused by its owner ignoring frames.
   */
  pauseReceive?(): void;
  /** Hand frames over again, the waiting ones first. */
  resumeReceive?(): void;
  close(): void;
}
