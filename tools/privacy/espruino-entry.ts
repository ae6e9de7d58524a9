// Espruino bundle entry for the load-hiding algorithms and the scheduler: published on
// Espruino's `global` so a test can run them in the real espruino-linux interpreter.
import { runTrace } from '../../firmware/privacy/entry';
import { planFor } from '../../firmware/schedule/entry';

declare const global: Record<string, unknown>;

global.__privacyEspruino = { runTrace: runTrace, planFor: planFor };
