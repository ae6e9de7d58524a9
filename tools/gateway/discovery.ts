// Home Assistant MQTT discovery (https://www.home-assistant.io/integrations/mqtt/#mqtt-discovery):
// homeassistant/<component>/<node_id>/<object_id>/config, retained, full key names (no
// abbreviations). Energy: device_class energy, state_class total_increasing, kWh (without
// a state class HA keeps no long-term statistics). Availability is the node's LWT and the
// gateway's last will together (availability_mode all): a node that went quiet, or a
// gateway that died, shows "unavailable", never a stale or false value.
import { ALARM_KINDS, BATTERY_OWNERS, BREAKER_STATES, gatewayStatus, nodeTopic, unitTopic } from './topics';

export interface DiscoveryMessage {
  topic: string;
  payload: Record<string, unknown>;
}

export const DISCOVERY_PREFIX = 'homeassistant';
const ORIGIN = { name: 'smart-meter-protection gateway', sw_version: '0.1.0' };

export function nodeDiscovery(home: string, node: number, gatewayId: string, board = '', name = ''): DiscoveryMessage[] {
  const t = nodeTopic(home, node);
  const id = t.replace(/[^a-zA-Z0-9_-]/g, '_');
  const device = {
    identifiers: [`smartmeter_${id}`],
    name: name === '' ? `Meter node ${node}` : `Meter ${name}`,
    manufacturer: 'smart-meter-protection',
    model: board === '' ? 'meter node' : `meter node (${board})`,
    via_device: `smartmeter_${home}_cu`,
  };
  const availability = [
    { topic: gatewayStatus(gatewayId), payload_available: 'Online', payload_not_available: 'Offline' },
    { topic: `tele/${t}/LWT`, payload_available: 'Online', payload_not_available: 'Offline' },
  ];
  const base = (object: string, label: string) => ({
    name: label,
    unique_id: `${id}_${object}`,
    device,
    availability,
    availability_mode: 'all',
    origin: ORIGIN,
  });
  const sensor = (object: string, label: string, tmpl: string, extra: Record<string, unknown>): DiscoveryMessage => ({
    topic: `${DISCOVERY_PREFIX}/sensor/${id}/${object}/config`,
    payload: { ...base(object, label), state_topic: `tele/${t}/SENSOR`, value_template: `{{ value_json.${tmpl} }}`, ...extra },
  });
  const out: DiscoveryMessage[] = [
    sensor('energy_total', 'Energy total', 'ENERGY.Total', {
      device_class: 'energy',
      state_class: 'total_increasing',
      unit_of_measurement: 'kWh',
      suggested_display_precision: 3,
    }),
    sensor('energy_today', 'Energy today', 'ENERGY.Today', {
      device_class: 'energy',
      state_class: 'total_increasing',
      unit_of_measurement: 'kWh',
      suggested_display_precision: 3,
    }),
    // yesterday is a fixed figure for the day, not a growing register: no state class
    sensor('energy_yesterday', 'Energy yesterday', 'ENERGY.Yesterday', { device_class: 'energy', unit_of_measurement: 'kWh', suggested_display_precision: 3 }),
    sensor('power', 'Power', 'ENERGY.Power', { device_class: 'power', state_class: 'measurement', unit_of_measurement: 'W' }),
    sensor('voltage', 'Voltage', 'ENERGY.Voltage', { device_class: 'voltage', state_class: 'measurement', unit_of_measurement: 'V' }),
    sensor('current', 'Current', 'ENERGY.Current', { device_class: 'current', state_class: 'measurement', unit_of_measurement: 'A' }),
    sensor('power_factor', 'Power factor', 'ENERGY.Factor', { device_class: 'power_factor', state_class: 'measurement' }),
    sensor('temperature', 'Temperature', 'NTC.Temperature', { device_class: 'temperature', state_class: 'measurement', unit_of_measurement: '°C' }),
    // HA has no LPG device class: a plain measurement in ppm
    sensor('gas', 'LPG', 'MQ6.LPG', { state_class: 'measurement', unit_of_measurement: 'ppm', icon: 'mdi:gas-cylinder' }),
    {
      topic: `${DISCOVERY_PREFIX}/sensor/${id}/breaker/config`,
      payload: { ...base('breaker', 'Breaker'), state_topic: `stat/${t}/BREAKER`, device_class: 'enum', options: BREAKER_STATES, icon: 'mdi:electric-switch' },
    },
    {
      topic: `${DISCOVERY_PREFIX}/sensor/${id}/last_trip/config`,
      payload: {
        ...base('last_trip', 'Last trip reason'),
        state_topic: `stat/${t}/TRIP`,
        value_template: '{{ value_json.Reason }}',
        json_attributes_topic: `stat/${t}/TRIP`,
        icon: 'mdi:flash-alert',
      },
    },
    {
      topic: `${DISCOVERY_PREFIX}/switch/${id}/relay/config`,
      payload: {
        ...base('relay', 'Relay'),
        state_topic: `stat/${t}/POWER`,
        command_topic: `cmnd/${t}/POWER`,
        payload_on: 'ON',
        payload_off: 'OFF',
        state_on: 'ON',
        state_off: 'OFF',
      },
    },
  ];
  for (const k of ALARM_KINDS) {
    const o = `alarm_${k.replace(/-/g, '_')}`;
    out.push({
      topic: `${DISCOVERY_PREFIX}/binary_sensor/${id}/${o}/config`,
      // alarms are events: ON when raised, off again after 5 min without a repeat (the
      // control unit holds a repeat for 60 s, firmware/control/anomaly.ts)
      payload: {
        ...base(o, `Alarm ${k}`),
        state_topic: `tele/${t}/ALARM/${k}`,
        payload_on: 'ON',
        payload_off: 'OFF',
        off_delay: 300,
        device_class: k === 'range' || k === 'silent' ? 'problem' : 'tamper',
      },
    });
  }
  return out;
}

/**
 * The control unit's energy management as an HA device: state of charge (device_class
 * battery, %), the visible load (what the utility's meter sees), the real load (the sum of
 * the nodes), the battery's power (+ charge, - discharge) and who drives it. The unit has no
 * LWT: the gateway's will, and expire_after (10 x the firmware's default 60 s report) so a
 * unit that stopped sending shows "unavailable", not its last SoC.
 */
export function unitEnergyDiscovery(home: string, gatewayId: string): DiscoveryMessage[] {
  const t = unitTopic(home);
  const id = t.replace(/[^a-zA-Z0-9_-]/g, '_');
  const device = { identifiers: [`smartmeter_${home}_cu`], name: 'Control unit', manufacturer: 'smart-meter-protection', model: 'control unit' };
  const availability = [{ topic: gatewayStatus(gatewayId), payload_available: 'Online', payload_not_available: 'Offline' }];
  const sensor = (object: string, label: string, key: string, extra: Record<string, unknown>): DiscoveryMessage => ({
    topic: `${DISCOVERY_PREFIX}/sensor/${id}/${object}/config`,
    payload: {
      name: label,
      unique_id: `${id}_${object}`,
      device,
      availability,
      origin: ORIGIN,
      expire_after: 600,
      state_topic: `tele/${t}/ENERGY`,
      value_template: `{{ value_json.${key} }}`,
      ...extra,
    },
  });
  return [
    sensor('battery_soc', 'Battery state of charge', 'SoC', {
      device_class: 'battery',
      state_class: 'measurement',
      unit_of_measurement: '%',
      suggested_display_precision: 1,
    }),
    sensor('visible_load', 'Visible load', 'Visible', { device_class: 'power', state_class: 'measurement', unit_of_measurement: 'W', icon: 'mdi:eye-outline' }),
    sensor('real_load', 'Real load', 'Real', { device_class: 'power', state_class: 'measurement', unit_of_measurement: 'W' }),
    sensor('battery_power', 'Battery power', 'Battery', {
      device_class: 'power',
      state_class: 'measurement',
      unit_of_measurement: 'W',
      icon: 'mdi:battery-charging',
    }),
    sensor('battery_owner', 'Battery owner', 'Owner', { device_class: 'enum', options: BATTERY_OWNERS, icon: 'mdi:shield-account' }),
  ];
}
