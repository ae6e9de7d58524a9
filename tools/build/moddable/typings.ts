// Type-checks the Moddable app's sources (hal/moddable and the app entry, with everything
// they import) against the SDK's own declarations, @moddable/typings, instead of our
// hal/moddable/embedded.d.ts. npm test's tsconfig uses embedded.d.ts (written from the
// ECMA-419 spec); this second check catches where the two disagree.
// CLI: npx tsx tools/build/moddable/typings.ts   (prints the errors, exit 1 on any)
import ts from 'typescript';
import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { REPO_ROOT } from '../moddable';
import { isEntry } from '../../cli';

/** the SDK modules hal/moddable imports, plus the XS globals (trace) */
const TYPINGS = [
  'xs.d.ts',
  'embedded_io/_common.d.ts',
  'embedded_io/analog.d.ts',
  'embedded_io/digital.d.ts',
  'embedded_io/serial.d.ts',
  'embedded_io/spi.d.ts',
  'timer.d.ts',
  'time.d.ts',
  'preference.d.ts',
];
const ENTRIES = ['hal/moddable/device.ts', 'targets/moddable/main.ts', 'targets/control-unit/main.ts'];

/** Error messages (file:line: text); [] when the sources agree with @moddable/typings. */
export function checkAgainstModdableTypings(root = REPO_ROOT): string[] {
  const dir = join(root, 'node_modules/@moddable/typings');
  if (!existsSync(dir)) return [`@moddable/typings is not installed in ${dir}: run npm ci`];
  const program = ts.createProgram([...ENTRIES.map((f) => join(root, f)), ...TYPINGS.map((f) => join(dir, f))], {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2020,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    lib: ['lib.es2020.d.ts'],
    types: [],
    // the typings themselves have an implicit any (serial.d.ts set()); check our code only
    skipLibCheck: true,
  });
  const files = program.getSourceFiles().map((f) => f.fileName);
  if (files.some((f) => f.endsWith('hal/moddable/embedded.d.ts')))
    return ['hal/moddable/embedded.d.ts was pulled in; the check must see @moddable/typings only'];
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const text = ts.flattenDiagnosticMessageText(d.messageText, ' ');
    if (d.file === undefined || d.start === undefined) return text;
    const { line } = d.file.getLineAndCharacterOfPosition(d.start);
    return `${relative(root, d.file.fileName)}:${line + 1}: ${text}`;
  });
}

if (isEntry(import.meta.url)) {
  const errors = checkAgainstModdableTypings();
  for (const e of errors) console.log(e);
  console.log(`@moddable/typings check: ${errors.length} error(s)`);
  process.exit(errors.length > 0 ? 1 : 0);
}
