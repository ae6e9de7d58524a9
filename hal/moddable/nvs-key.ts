// ESP32 NVS keys are at most 15 characters (NVS_KEY_NAME_MAX_SIZE 16 with the NUL).
// Longer HAL store keys keep a readable prefix and add an FNV-1a hash of the whole key.
export const NVS_KEY_MAX = 15;

export function nvsKey(key: string): string {
  if (key.length <= NVS_KEY_MAX) return key;
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return key.substring(0, 8) + '~' + ('000000' + (h % 0x1000000).toString(36)).slice(-6);
}
