// Small helpers every command-line tool shares.
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { pathToFileURL } from 'node:url';

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
