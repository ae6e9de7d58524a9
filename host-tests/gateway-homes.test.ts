// `npm run sim -- --homes N`: homes through their own gateways to one broker, accelerated.
import test from 'ava';
import { runHomes } from '../tools/home/homes';

test('two homes, six nodes, one broker: every node reports and the gateways publish', async (t) => {
  const r = await runHomes(2, 25);
  t.is(r.nodes, 6);
  t.true(r.readings >= 6 * 2, `${r.readings} readings`);
  t.true(r.published > r.readings);
  t.true(r.realtime_factor > 1, `${r.realtime_factor}x real time`);
});
