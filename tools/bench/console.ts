// Console figures: how many commands the meter node's console answers (its own Help list,
// read over the simulated UART), and the XS cost of one command line.
import { createSimMeter } from '../console/sim-meter';

export function consoleFigures(): { commands: number } {
  const m = createSimMeter({ realtime: false });
  let out = '';
  m.duplex.onData((b) => {
    out += Buffer.from(b).toString('utf8');
  });
  m.duplex.write(new TextEncoder().encode('Help\r\n'));
  m.advance(50e3);
  m.close();
  // {"Help": {command: one-line description}}
  const reply = JSON.parse(out.trim().split('\n')[0]) as { Help: Record<string, string> };
  if (typeof reply.Help !== 'object' || reply.Help === null || Array.isArray(reply.Help)) throw new Error(`bench: unexpected Help reply ${out}`);
  return { commands: Object.keys(reply.Help).length };
}
