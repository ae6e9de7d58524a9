// Child process for the kill -9 test (host-tests/gateway-history.test.ts): writes readings
// as fast as it can and prints the counter of each committed one; the parent kills it
// mid-write and checks that every printed counter is in the file and the file is sound.
import { History } from './history';

const h = new History(process.argv[2]);
let ctr = 0;
const base = 1_800_000_000_000;
for (;;) {
  ctr++;
  // one second apart, so each reading has its own 1 s row
  h.reading({ type: 'reading', node: 1, t: ctr, ctr, V: 230, I: 1, P: 230, E: ctr, PF: 1, T: 20, gas: 300, flags: 1, relay: 'closed' }, base + ctr * 1000);
  if (ctr % 50 === 0) process.stdout.write(`${ctr}\n`);
}
