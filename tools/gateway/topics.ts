// MQTT topic layout (docs/MONITORING.md). Tasmota-like per node:
//   tele/<topic>/SENSOR        readings + ENERGY {Total, Yesterday, Today, Power, ...}   retained
//   tele/<topic>/LWT           Online / Offline (availability)                           retained
//   stat/<topic>/POWER         relay ON / OFF                                            retained
//   stat/<topic>/BREAKER       breaker state                                             retained
//   stat/<topic>/TRIP          the last trip {Time, State, Reason, Seq}                  retained
//   tele/<topic>/TRIP          every trip (event)
//   tele/<topic>/ALARM         every alarm {Time, Kind, Detail} (event)
//   tele/<topic>/ALARM/<kind>  ON per alarm (binary sensors, off_delay in discovery)
//   stat/<topic>/ENERGYDAY     {date, startWh, yesterdayWh}: the day baseline kept in the
//                              broker, not in the gateway                                 retained
//   cmnd/<topic>/POWER         household relay command (ON / OFF)
//   cmnd/<topic>/GUEST/POWER   a guest's relay command ({"state":"OFF","code":"..."})
//   stat/<topic>/RESULT        the answer to a command: {"POWER":"OFF"} or {"Command":..., "Error":...}
// The control unit itself: <home>-cu (its alarms without a node, access records) and its
// energy management (issue 9, docs/PRIVACY.md "On the dashboard"):
//   tele/<home>-cu/ENERGY      {Time, Real, Visible, Battery (W, + charge), SoC (%), Owner,
//                              Algorithm, RealWh, VisibleWh}: each `energy` line        retained
//   stat/<home>-cu/PLAN        the day's plan {Start, SlotS, Planning, Exact, Cost, Refused,
//                              Loads: [{Name, Relay, On, Next, Unmet, Slots: [{From, To}] (the
//                              whole plan, from the unit's `plan` lines), PowerW}]}, on change  retained
//   stat/<home>-cu/DR          the utility's demand-response order {Held, Active, Order, Kind,
//                              LimitW, Relays, Start, End, Refused, Last}, on change       retained
// The gateway: smartmeter/gateway/<id>/status Online / Offline (its MQTT last will).
export const nodeTopic = (home: string, node: number): string => `${home}-n${node}`;
export const unitTopic = (home: string): string => `${home}-cu`;
export const gatewayStatus = (id: string): string => `smartmeter/gateway/${id}/status`;

/** node id from a topic of this home, or undefined */
export function nodeOfTopic(home: string, topic: string): number | undefined {
  const p = `${home}-n`;
  if (!topic.startsWith(p)) return undefined;
  const s = topic.slice(p.length);
  if (!/^[1-9][0-9]{0,2}$/.test(s)) return undefined;
  return Number(s);
}

/** who may drive the battery (firmware/policy/policy.ts SOURCE_NAMES), and 'idle' for none */
export const BATTERY_OWNERS = ['safety', 'utility', 'user', 'savings', 'privacy', 'idle'];

export const ALARM_KINDS = ['reject-rate', 'flood', 'silent', 'range', 'energy-back', 'node-security', 'unknown-node'];
export const BREAKER_STATES = ['closed', 'open', 'tripped', 'reclosing', 'lockout', 'failsafe'];
