// The owners' methods that replaced writes from outside (issue 11): the breaker restores
// its own latch, the protection clears its own comparator flag, and the node tells every
// listener (the options' hooks first) without anyone rewriting its options.
import test from 'ava';
import { Breaker, isLatchedState } from '../firmware/protection/breaker';
import { bootNode } from '../tools/bench/common';

const noRelays = { open: () => {}, close: () => {} };

test('Breaker.isLatched names the latched states once; restoreLatch keeps an unknown state open', (t) => {
  t.deepEqual(['closed', 'open', 'tripped', 'reclosing', 'lockout', 'failsafe'].filter(isLatchedState), ['tripped', 'lockout', 'failsafe']);
  const b = new Breaker(noRelays);
  b.restoreLatch('lockout', 'overvoltage');
  t.true(b.isLatched());
  t.is(b.reason, 'overvoltage');
  b.restoreLatch('nonsense', 'x');
  t.is(b.state, 'tripped', 'an unknown stored state stays open until a reset on the spot');
  b.restoreLatch('open', 'utility');
  t.false(b.isLatched());
  t.is(b.command(true, 0), 'ok', 'a restored plain open closes on command');
});

test('Protection.clearComparator: the comparator blocks a reset until its owner clears it', (t) => {
  const { sim, node } = bootNode({ seed: 3, mains: { irms: 5 } });
  sim.run(4e6);
  node.protection.onComparator(sim.now());
  t.true(node.protection.comparatorActive);
  t.false(node.protection.causeClear());
  node.protection.clearComparator();
  t.false(node.protection.comparatorActive);
  t.true(node.protection.causeClear());
});

test('MeterNode.addListener hears trips and averages after the options hooks', (t) => {
  const { sim, node } = bootNode({ seed: 3, mains: { irms: 5 } });
  const heard: string[] = [];
  node.options.onAverages = () => heard.push('options-avg');
  node.addListener({ onAverages: () => heard.push('listener-avg'), onTrip: (e) => heard.push('listener-trip ' + e.reason) });
  sim.run(2.1e6);
  t.deepEqual(heard.slice(0, 2), ['options-avg', 'listener-avg']);
  node.protection.onComparator(sim.now());
  t.true(heard.includes('listener-trip comparator'), heard.join(','));
});
