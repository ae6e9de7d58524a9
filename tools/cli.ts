// Small helpers every command-line tool shares.
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs, type ParseArgsConfig } from 'node:util';

/**
 * Is the module with this import.meta.url the script node was started with? Compares URLs,
 * so a path with a space (or any character a URL escapes) still matches; the string
 * `file://${argv[1]}` did not, and the tool then did nothing and exited 0.
 */
export function isEntry(metaUrl: string, argv1 = process.argv[1]): boolean {
  return argv1 !== undefined && argv1 !== '' && pathToFileURL(argv1).href === metaUrl;
}

/** The first executable of `names` on PATH (`path`: a PATH-style list), or undefined. */
export function findOnPath(names: string[], path = process.env.PATH ?? ''): string | undefined {
  for (const dir of path.split(delimiter)) {
    if (dir === '') continue;
    for (const n of names) {
      const p = join(dir, n);
      try {
        accessSync(p, constants.X_OK);
        return p;
      } catch {
        // not here
      }
    }
  }
  return undefined;
}

type CliOptions = NonNullable<ParseArgsConfig['options']>;

export interface ParsedCli {
  values: Record<string, string | boolean | string[] | boolean[] | undefined>;
  positionals: string[];
}

/**
 * argv by node:util parseArgs, the same for every tool: `--help`/`-h` prints `usage` on
 * stdout (exit code 0); an unknown flag, a missing value or a stray argument prints one
 * line on stderr, `<tool>: <what>; <the usage's first line>` (exit code 2). Returns the
 * parsed values, or the exit code when the tool should stop (for a main() that returns it).
 */
export function tryParseCli(tool: string, usage: string, argv: string[], options: CliOptions, allowPositionals = false): ParsedCli | number {
  let parsed: ParsedCli;
  try {
    parsed = parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: allowPositionals });
  } catch (e) {
    console.error(`${tool}: ${(e as Error).message.split('\n')[0]}; ${usage.split('\n')[0]}`);
    return 2;
  }
  if (parsed.values.help === true) {
    console.log(usage);
    return 0;
  }
  return parsed;
}

/** tryParseCli for a tool that exits itself. */
export function parseCli(tool: string, usage: string, argv: string[], options: CliOptions, allowPositionals = false): ParsedCli {
  const r = tryParseCli(tool, usage, argv, options, allowPositionals);
  if (typeof r === 'number') process.exit(r);
  return r;
}

/** One line on stderr (the error, then the usage's first line) and exit 2. */
export function cliError(tool: string, usage: string, message: string): never {
  console.error(`${tool}: ${message}; ${usage.split('\n')[0]}`);
  process.exit(2);
}
