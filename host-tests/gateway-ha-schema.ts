// Home Assistant MQTT discovery schema keys (full names) per component, from HA's MQTT
// integration docs (mqtt sensor, binary_sensor, switch; common availability/device/origin
// keys): a discovery payload with a key HA does not know is ignored or rejected by HA.
export const COMMON = [
  'name',
  'unique_id',
  'device',
  'availability',
  'availability_mode',
  'availability_topic',
  'origin',
  'icon',
  'entity_category',
  'enabled_by_default',
  'json_attributes_topic',
  'json_attributes_template',
  'qos',
  'object_id',
  'default_entity_id',
  'encoding',
  'availability_template',
  'payload_available',
  'payload_not_available',
  'entity_picture',
  'platform',
];
export const HA_KEYS: Record<string, string[]> = {
  sensor: [
    ...COMMON,
    'state_topic',
    'value_template',
    'device_class',
    'state_class',
    'unit_of_measurement',
    'suggested_display_precision',
    'expire_after',
    'force_update',
    'last_reset_value_template',
    'options',
  ],
  binary_sensor: [...COMMON, 'state_topic', 'value_template', 'device_class', 'payload_on', 'payload_off', 'off_delay', 'expire_after', 'force_update'],
  switch: [
    ...COMMON,
    'state_topic',
    'command_topic',
    'value_template',
    'device_class',
    'payload_on',
    'payload_off',
    'state_on',
    'state_off',
    'optimistic',
    'retain',
    'command_template',
  ],
};
export const HA_REQUIRED: Record<string, string[]> = { sensor: ['state_topic'], binary_sensor: ['state_topic'], switch: ['command_topic'] };
const DEVICE_KEYS = [
  'identifiers',
  'connections',
  'name',
  'manufacturer',
  'model',
  'model_id',
  'sw_version',
  'hw_version',
  'serial_number',
  'suggested_area',
  'via_device',
  'configuration_url',
];
const SENSOR_CLASSES = ['energy', 'power', 'voltage', 'current', 'power_factor', 'temperature', 'frequency', 'enum', 'gas', 'battery'];
const BINARY_CLASSES = ['problem', 'tamper', 'safety', 'gas', 'smoke'];
const UNITS: Record<string, string[]> = {
  energy: ['Wh', 'kWh', 'MWh'],
  power: ['W', 'kW'],
  voltage: ['V', 'mV'],
  current: ['A', 'mA'],
  temperature: ['°C', '°F', 'K'],
  power_factor: ['%', ''],
  frequency: ['Hz'],
  battery: ['%'],
};

/** Errors in one discovery message (topic + payload), [] when HA would take it as meant. */
export function checkDiscovery(topic: string, p: Record<string, unknown>): string[] {
  const e: string[] = [];
  const m = /^homeassistant\/(sensor|binary_sensor|switch)\/([a-zA-Z0-9_-]+)\/([a-zA-Z0-9_-]+)\/config$/.exec(topic);
  if (m === null) return [`topic ${topic}: not homeassistant/<component>/<node_id>/<object_id>/config`];
  const comp = m[1];
  for (const k of Object.keys(p)) if (!HA_KEYS[comp].includes(k)) e.push(`${comp}: unknown key ${k}`);
  for (const k of HA_REQUIRED[comp]) if (p[k] === undefined) e.push(`${comp}: missing ${k}`);
  if (typeof p.unique_id !== 'string' || p.unique_id === '') e.push('unique_id missing');
  const dev = p.device as Record<string, unknown> | undefined;
  if (dev === undefined || !Array.isArray(dev.identifiers)) e.push('device.identifiers missing');
  else for (const k of Object.keys(dev)) if (!DEVICE_KEYS.includes(k)) e.push(`device: unknown key ${k}`);
  const dc = p.device_class as string | undefined;
  if (comp === 'sensor' && dc !== undefined && !SENSOR_CLASSES.includes(dc)) e.push(`sensor device_class ${dc}`);
  if (comp === 'binary_sensor' && dc !== undefined && !BINARY_CLASSES.includes(dc)) e.push(`binary_sensor device_class ${dc}`);
  if (dc !== undefined && UNITS[dc] !== undefined && !UNITS[dc].includes((p.unit_of_measurement as string) ?? ''))
    e.push(`${dc}: unit ${String(p.unit_of_measurement)}`);
  if (dc === 'energy' && p.state_class !== undefined && p.state_class !== 'total_increasing' && p.state_class !== 'total')
    e.push('energy: state_class must be total or total_increasing');
  if (p.state_class !== undefined && !['measurement', 'total', 'total_increasing'].includes(p.state_class as string))
    e.push(`state_class ${String(p.state_class)}`);
  if (dc === 'enum' && !Array.isArray(p.options)) e.push('enum without options');
  if (Array.isArray(p.availability))
    for (const a of p.availability as Record<string, unknown>[]) if (typeof a.topic !== 'string') e.push('availability without topic');
  return e;
}
