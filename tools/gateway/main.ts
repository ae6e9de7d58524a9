// `npm run gateway -- --port /dev/ttyUSB0`: the gateway on a real control unit's serial port.
import { main } from '../start';

main(process.argv.slice(2), true).then(
  (code) => process.exit(code),
  (e) => {
    process.stderr.write(`${(e as Error).message}\n`);
    process.exit(1);
  },
);
