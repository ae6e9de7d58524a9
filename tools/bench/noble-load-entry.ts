// XS entry: exactly what the Moddable meter node imports from @noble/curves
// (firmware/link/ed25519-noble.ts), so evaluating it runs noble's module bodies as the board
// runs them at boot (noble-curves is not preloaded: tools/build/moddable/modules.ts).
export { ed25519 } from '@noble/curves/ed25519.js';
export { mulAddUnsafe } from '@noble/curves/abstract/curve.js';
export { bytesToNumberLE } from '@noble/curves/utils.js';
