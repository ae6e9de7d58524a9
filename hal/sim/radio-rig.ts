// Several radio nodes on one scheduler and one RF medium: what link and attack tests need
// (a SimBoard owns its own scheduler, so boards cannot share air). Each node gets its own
// GPIO namespace and an nRF24L01+ chip model wired to SPI select, CE and IRQ pins, and
// io.SPI / io.Digital classes that firmware drivers take.
import type { Digital, DigitalOptions, SPI, SPIOptions } from '../io';
import { makeDigital, makeSpi, type PeripheralWiring, type SpiDevice } from './peripherals';
import { SimPin } from './pin';
import { Prng } from './prng';
import { RfMedium, type MediumOptions } from './radio-medium';
import { Nrf24Chip } from './nrf24-chip';
import { Scheduler } from './scheduler';

export const RIG_PINS = { select: 5, ce: 17, irq: 16 };

export interface RigNode {
  name: string;
  io: { SPI: new (o: SPIOptions) => SPI; Digital: new (o: DigitalOptions) => Digital };
  pin(n: number): SimPin;
  chip: Nrf24Chip;
}

export class RadioRig {
  readonly sched: Scheduler;
  readonly prng: Prng;
  readonly medium: RfMedium;
  readonly nodes: RigNode[] = [];

  constructor(
    seed: number,
    medium?: Partial<Omit<MediumOptions, 'sched' | 'prng'>>,
    readonly callbackCostUs = 50,
  ) {
    this.sched = new Scheduler();
    this.prng = new Prng(seed);
    const m = medium === undefined ? {} : medium;
    this.medium = new RfMedium({ sched: this.sched, prng: this.prng.fork('medium'), rangeM: m.rangeM, edgeLoss: m.edgeLoss, baseLoss: m.baseLoss });
  }

  addNrf24Node(name: string, x: number, y: number): RigNode {
    const pins = new Map<number, SimPin>();
    const pin = (n: number): SimPin => {
      let p = pins.get(n);
      if (p === undefined) {
        p = new SimPin(n);
        pins.set(n, p);
      }
      return p;
    };
    const spi = new Map<number, SpiDevice>();
    const w: PeripheralWiring = {
      sched: this.sched,
      callbackCostUs: () => this.callbackCostUs,
      pin,
      analogRead: () => undefined,
      isAnalog: () => false,
      bits: 12,
      spiDevice: (sel) => spi.get(sel),
      uart: () => {
        throw new Error('RadioRig nodes have no UART');
      },
    };
    const chip = new Nrf24Chip({ id: name, medium: this.medium, sched: this.sched, ce: pin(RIG_PINS.ce), irq: pin(RIG_PINS.irq), x, y });
    spi.set(RIG_PINS.select, chip);
    const node: RigNode = { name, io: { SPI: makeSpi(w), Digital: makeDigital(w) }, pin, chip };
    this.nodes.push(node);
    return node;
  }
}
