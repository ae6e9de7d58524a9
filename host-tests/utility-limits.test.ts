// A limit the utility set with a signed command (CMD_SET_LIMIT) is the utility's: the
// button (the household at the meter) neither changes it nor factory-resets it away; a PIN
// login (the utility's field staff) or another signed limit does. The mark survives a
// reboot and goes with a factory reset. Roles: firmware/access/policy.ts
// 'configure-utility-limit', docs/ROLES.md.
import test from 'ava';
import { Net } from '../tools/sim/net-scenarios';
import { Console } from '../firmware/console/console';
import type { JsonObject } from '../firmware/console/json';
import { FACTORY_RECORDS, RECORD } from '../firmware/store/keys';

test("the button does not lift the utility's daily cap; a PIN login does; the mark survives a reboot", (t) => {
  const net = new Net({ seed: 31, nodes: 1 });
  net.run(1);
  let n = net.nodeOf(1);
  net.headEndSend(1, net.setLimit(1, 5, 20000)); // maxEnergyWhDay: 20 kWh a day
  net.run(0.5);
  t.is(n.node.settings.maxEnergyWhDay, 20000);
  t.deepEqual(n.node.utilityLimits(), ['maxEnergyWhDay']);
  n.node.consoleTarget.setPin('482913');
  // the household at the meter, with the button
  const con = new Console(n.node.consoleTarget, () => {});
  con.buttonPressed();
  const refused = con.execute('MaxEnergy 0')[0];
  t.regex(String(refused.Error), /maxEnergyWhDay was set by the utility \(a signed limit\): a PIN login or the utility changes it/);
  t.is(n.node.settings.maxEnergyWhDay, 20000, 'the cap stands');
  t.deepEqual(con.execute('MaxPower 3000')[0], { MaxPower: 3000 }, 'a setting the utility did not set is still the household’s');
  const reset = con.execute('FactoryReset')[0];
  t.regex(String(reset.Error), /refused: the utility holds maxEnergyWhDay \(signed limits\); a PIN login factory-resets/);
  // across a reboot
  n = net.rebootNode(1);
  net.run(1);
  t.deepEqual(n.node.utilityLimits(), ['maxEnergyWhDay']);
  t.is(n.node.settings.maxEnergyWhDay, 20000);
  // the field staff, with the PIN
  const staff = new Console(n.node.consoleTarget, () => {});
  const say = (line: string): JsonObject => staff.execute(line)[0];
  t.is((say('Login 482913').Login as JsonObject).State, 'Open');
  t.deepEqual(say('MaxEnergy 25000'), { MaxEnergy: 25000 });
  // and the utility again, by signature
  net.headEndSend(1, net.setLimit(1, 5, 18000));
  net.run(0.5);
  t.is(n.node.settings.maxEnergyWhDay, 18000);
  // a factory reset by the field staff takes the settings and the mark with them
  t.is((say('FactoryReset').FactoryReset as JsonObject).State, 'Pending');
  t.true(FACTORY_RECORDS.includes(RECORD.utilityLimits));
});
