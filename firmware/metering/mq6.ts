// MQ-6 LPG sensor (Hanwei datasheet): Rs falls as LPG rises. The datasheet's sensitivity
// curve is a straight line on log-log axes; Rs/R0 = 1 at 1000 ppm LPG (R0 is Rs at the
// 1000 ppm calibration point), with a slope of about -0.42 between 200 and 10000 ppm, so
// ppm = 1000 * (Rs/R0)^(-1/0.42). The heater needs a warm-up before readings mean anything
// (the datasheet asks for 24 h preheat for best stability; a cold sensor reads falsely
// high for the first minutes), so readings during `warmupS` are flagged, not acted on.

export interface Mq6Setup {
  fullScaleVolts: number;
  bits: number;
  supplyVolts: number; // Vc
  loadOhms: number; // RL
  r0Ohms: number;
  dividerRatio: number; // ADC volts per sensor-output volt
  warmupS: number;
  /** datasheet curve: Rs/R0 at 1000 ppm is 1; slope on log-log axes */
  slope: number;
}

export type GasStatus = 'ok' | 'warming' | 'open' | 'shorted' | 'invalid';

export interface GasReading {
  ppm: number;
  ratio: number; // Rs/R0
  status: GasStatus;
}

export function readMq6(code: number, uptimeS: number, s: Mq6Setup, out: GasReading): GasReading {
  if (code !== code) {
    out.status = 'invalid';
    out.ppm = 0 / 0;
    out.ratio = 0 / 0;
    return out;
  }
  const vAdc = ((code + 0.5) / Math.pow(2, s.bits)) * s.fullScaleVolts;
  const vOut = vAdc / s.dividerRatio;
  // an open sensor (or open RL path) leaves the output at 0 V; a shorted sensor puts
  // Vc across RL; clean air sits near Vc * RL / (10 R0 + RL), far from both rails
  if (vOut < s.supplyVolts * 0.01) {
    out.status = 'open';
    out.ppm = 0 / 0;
    out.ratio = 0 / 0;
    return out;
  }
  if (vOut > s.supplyVolts * 0.98 || vAdc > s.fullScaleVolts * 0.995) {
    out.status = 'shorted';
    out.ppm = 0 / 0;
    out.ratio = 0 / 0;
    return out;
  }
  const rs = (s.loadOhms * (s.supplyVolts - vOut)) / vOut;
  out.ratio = rs / s.r0Ohms;
  out.ppm = 1000 * Math.pow(out.ratio, 1 / s.slope);
  out.status = uptimeS < s.warmupS ? 'warming' : 'ok';
  return out;
}
