// Technician console client: see tools/console/cli.ts and docs/CONSOLE.md.
//   npx tsx tools/console.ts --port /dev/ttyUSB0            interactive (history, pretty JSON)
//   npx tsx tools/console.ts --port tcp://127.0.0.1:7000 --exec "Status; Trips" --json
//   npx tsx tools/console.ts --port sim                      in-process simulated node
import { main } from './console/cli';

const code = await main(process.argv.slice(2), {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  tty: process.stdout.isTTY === true,
  // https://no-color.org: any non-empty NO_COLOR turns colour off
  color: process.stdout.isTTY === true && (process.env.NO_COLOR ?? '') === '',
});
process.exit(code);
