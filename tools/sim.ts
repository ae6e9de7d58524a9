// npm run sim -- --scenario <name> [--json] [--seed N] [--board <name>] [--plot out.svg] | --list | --help
// Runs the meter node on the virtual board and prints a timeline.
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { listBoards, loadBoard, type Board } from '../boards/schema';
import { formatTimeline, runScenario } from './sim/run';
import { plotScenario } from './sim/plot';
import { ACCESS_SCENARIOS } from './sim/access-scenarios';
import { NET_SCENARIOS as LINK_SCENARIOS } from './sim/net-scenarios';

// network and access scenarios run their own control unit (no --board)
const NET_SCENARIOS = [...LINK_SCENARIOS, ...ACCESS_SCENARIOS];
import { findScenario, SCENARIOS } from './sim/scenarios';

const USAGE = `usage: npm run sim -- --scenario <name> [--json] [--seed N] [--board <name>] [--plot out.svg]
       npm run sim -- --list
  --scenario <name>  a named scenario (see --list)
  --json             one JSON object on stdout, byte-identical for the same seed
  --seed <n>         the simulator's random seed (integer, default 1)
  --board <name>     a meter-node board file from boards/ (default esp32-devkitc-meter);
                     network scenarios bring their own boards
  --plot <file.svg>  also write an SVG: the waveform around the fault (v, i, the fault,
                     the trip and the relay commands) and the trip timeline (meter scenarios)
  --list             the scenarios, one a line
  --help             this text`;

function fail(msg: string): never {
  console.error(`sim: ${msg}`);
  console.error('(npm run sim -- --help for usage)');
  process.exit(2);
}

/** The board, or a one-line reason why a meter node cannot run on it. */
function meterBoard(name: string): Board {
  let board: Board;
  try {
    board = loadBoard(name);
  } catch (e) {
    fail((e as Error).message.split('\n').join(' '));
  }
  if (board.frontend === undefined || board.calibration === undefined) {
    const meters = listBoards().filter((n) => {
      try {
        const b = loadBoard(n);
        return b.frontend !== undefined && b.calibration !== undefined;
      } catch {
        return false;
      }
    });
    fail(`board '${name}' has no metering front end or calibration, so it cannot run a meter node; meter-node boards: ${meters.join(', ')}`);
  }
  return board;
}

function main(argv: string[]): void {
  // many homes through stateless gateways to one broker (tools/home/homes.ts, docs/SCALE.md)
  if (argv.includes('--homes')) {
    void import('./home/homes').then((m) => m.homesCli(argv)).then((code) => process.exit(code));
    return;
  }
  let a;
  try {
    a = parseArgs({
      args: argv,
      strict: true,
      options: {
        scenario: { type: 'string' },
        json: { type: 'boolean', default: false },
        seed: { type: 'string', default: '1' },
        board: { type: 'string' },
        plot: { type: 'string' },
        list: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }).values;
  } catch (e) {
    fail((e as Error).message);
  }
  if (a.help) {
    console.log(USAGE);
    return;
  }
  if (a.list) {
    for (const s of SCENARIOS) console.log(`${s.name.padEnd(32)} ${s.description}`);
    for (const s of NET_SCENARIOS) console.log(`${s.name.padEnd(32)} (network) ${s.description}`);
    return;
  }
  const scenario = a.scenario ?? fail('which scenario? (see --list)');
  const seed = Number(a.seed);
  if (!/^-?\d+$/.test(a.seed) || !Number.isSafeInteger(seed)) fail(`--seed must be an integer, got '${a.seed}'`);
  const net = NET_SCENARIOS.find((s) => s.name === scenario);
  if (net !== undefined) {
    // a control unit and meter nodes on the simulated air, on the boards the scenario names
    if (a.board !== undefined) fail(`--board does not apply to the network scenario '${scenario}': it runs its own control unit and meter-node boards`);
    if (a.plot !== undefined) fail(`--plot draws a meter node's waveform; '${scenario}' is a network scenario`);
    const r = net.run();
    if (a.json) console.log(JSON.stringify(r.json));
    else console.log(r.timeline.join('\n'));
    return;
  }
  const sc = findScenario(scenario);
  if (sc === undefined) fail(`no scenario '${scenario}'; known: ${[...SCENARIOS, ...NET_SCENARIOS].map((s) => s.name).join(', ')}`);
  const board = meterBoard(a.board ?? 'esp32-devkitc-meter');
  if (a.plot !== undefined && !a.plot.toLowerCase().endsWith('.svg')) fail(`--plot writes SVG: give a file name ending in .svg, got '${a.plot}'`);
  const run = a.plot === undefined ? runScenario(sc, board, seed) : plotScenario(sc, board, seed);
  if (a.json) console.log(JSON.stringify(run.result));
  else console.log(formatTimeline(run.result, run.wallMs));
  if (a.plot !== undefined && 'svg' in run) {
    try {
      writeFileSync(a.plot, run.svg);
    } catch (e) {
      fail(`--plot ${a.plot}: ${(e as Error).message}`);
    }
    console.error(`sim: plot written to ${a.plot}`);
  }
}

main(process.argv.slice(2));
