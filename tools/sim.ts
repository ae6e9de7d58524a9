// npm run sim -- --scenario <name> [--json] [--seed N] [--board <name>] | --list
// Runs the meter node on the virtual board and prints a timeline.
import { loadBoard } from '../boards/schema';
import { formatTimeline, runScenario } from './sim/run';
import { NET_SCENARIOS } from './sim/net-scenarios';
import { findScenario, SCENARIOS } from './sim/scenarios';

function usage(msg?: string): never {
  if (msg) console.error(`sim: ${msg}`);
  console.error('usage: npm run sim -- --scenario <name> [--json] [--seed N] [--board <name>]\n       npm run sim -- --list');
  process.exit(2);
}

function main(argv: string[]): void {
  let scenario = '';
  let json = false;
  let seed = 1;
  let board = 'esp32-devkitc-meter';
  for (let k = 0; k < argv.length; k++) {
    const a = argv[k];
    if (a === '--list') {
      for (const s of SCENARIOS) console.log(`${s.name.padEnd(32)} ${s.description}`);
      for (const s of NET_SCENARIOS) console.log(`${s.name.padEnd(32)} (network) ${s.description}`);
      return;
    } else if (a === '--json') json = true;
    else if (a === '--scenario') scenario = argv[++k] ?? usage('--scenario needs a name (see --list)');
    else if (a === '--seed') seed = Number(argv[++k]);
    else if (a === '--board') board = argv[++k] ?? usage('--board needs a name');
    else usage(`unknown argument '${a}'`);
  }
  if (scenario === '') usage('which scenario? (see --list)');
  if (!Number.isInteger(seed)) usage('--seed must be an integer');
  const net = NET_SCENARIOS.find((s) => s.name === scenario);
  if (net !== undefined) {
    // a control unit and meter nodes on the simulated air
    const r = net.run();
    if (json) console.log(JSON.stringify(r.json));
    else console.log(r.timeline.join('\n'));
    return;
  }
  const sc = findScenario(scenario);
  if (sc === undefined) usage(`no scenario '${scenario}'; known: ${[...SCENARIOS, ...NET_SCENARIOS].map((s) => s.name).join(', ')}`);
  const r = runScenario(sc, loadBoard(board), seed);
  if (json) console.log(JSON.stringify(r));
  else console.log(formatTimeline(r));
}

main(process.argv.slice(2));
