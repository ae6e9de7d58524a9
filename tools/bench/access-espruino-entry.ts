// Espruino bundle entry for the access layer's hashes, OTP and R30x parser: published on
// Espruino's `global` so host-tests/access-engines.test.ts runs them in real espruino-linux.
import { hashParity, otpParity, packetParity } from '../../firmware/access/xs-entry';

declare const global: Record<string, unknown>;

global.__accessEspruino = { otpParity: otpParity, packetParity: packetParity, hashParity: hashParity };
