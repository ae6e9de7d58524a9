// Debian's real Lua 5.3 interpreter (`lua5.3`, `luac5.3`; apt-get install lua5.3), beside
// fengari: the built NodeMCU files run in the reference implementation of the language.
// Data goes in as a Lua literal (every number a float, as fengari's lua_pushnumber gives
// it; the shortest round-trip decimal of a double parses back to the same double in Lua,
// which uses strtod) and comes out as one JSON line in tools/engines/plain.ts's format
// (floats as IEEE-754 hex through string.pack, so nothing is lost in printing).
// Note: Debian's lua5.3 has 64-bit integers; NodeMCU and fengari have 32-bit ones. The
// integer-width cases are fengari's to catch (docs/PORTABLE-SUBSET.md).
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodePlain } from './plain';

export const LUA53 = process.env.LUA53 ?? 'lua5.3';
export const LUAC53 = process.env.LUAC53 ?? 'luac5.3';

/** Why lua5.3 / luac5.3 cannot run here, or undefined. */
export function lua53Missing(): string | undefined {
  for (const [cmd, args] of [
    [LUA53, ['-v']],
    [LUAC53, ['-v']],
  ] as const) {
    const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 10000 });
    if (r.error !== undefined) return `${cmd} is not on PATH (apt-get install lua5.3)`;
    if (r.status !== 0) return `${cmd} -v exited ${r.status}`;
  }
  return undefined;
}

/** `luac5.3 -p` (parse only) on Lua sources (name -> text): the compiler's messages, or '' when all parse. */
export function luacParse(files: Record<string, string>): { ok: boolean; out: string } {
  const dir = mkdtempSync(join(tmpdir(), 'luac-'));
  try {
    const paths = Object.keys(files).map((n) => {
      const p = join(dir, n);
      writeFileSync(p, files[n]);
      return p;
    });
    const r = spawnSync(LUAC53, ['-p', ...paths], { encoding: 'utf8', timeout: 60000 });
    return { ok: r.status === 0, out: `${r.stdout}${r.stderr}`.split(dir + '/').join('') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Plain data as a Lua literal: numbers as floats, exactly. */
export function luaFloatLiteral(v: unknown, path = '$'): string {
  switch (typeof v) {
    case 'number': {
      if (Number.isNaN(v)) return '(0/0)';
      if (v === Infinity) return '(1/0)';
      if (v === -Infinity) return '(-1/0)';
      if (Object.is(v, -0)) return '-0.0';
      const s = String(v);
      return /[.eE]/.test(s) ? s : `${s}.0`;
    }
    case 'string':
      return JSON.stringify(v).replace(/\\u([0-9a-fA-F]{4})/g, (_m, h: string) => `\\u{${h}}`);
    case 'boolean':
      return v ? 'true' : 'false';
    case 'object': {
      if (v === null) throw new Error(`${path}: null is not plain data for Lua`);
      if (Array.isArray(v)) return `{${v.map((x, i) => luaFloatLiteral(x, `${path}[${i}]`)).join(',')}}`;
      return `{${Object.keys(v)
        .map((k) => `[${JSON.stringify(k)}]=${luaFloatLiteral((v as Record<string, unknown>)[k], `${path}.${k}`)}`)
        .join(',')}}`;
    }
    default:
      throw new Error(`${path}: ${typeof v} is not plain data`);
  }
}

/**
 * Lua source defining `__plain_json(v)`: JSON text of a Lua value in plain.ts's format.
 * Tables with keys 1..n are arrays; an empty table is written [] (callers settle [] vs {}
 * with settleEmpty). Integers as numbers, floats as {"$f64": hex}, non-finite as
 * {"$nonFinite": ...}.
 */
export const LUA_PLAIN_JSON = `
local function hex(s) return (s:gsub('.', function(c) return string.format('%02x', c:byte()) end)) end
local function str(s) return '"' .. s:gsub('[%c"\\\\]', function(c) return string.format('\\\\u%04x', c:byte()) end) .. '"' end
function __plain_json(v)
  local t = type(v)
  if t == 'number' then
    if v ~= v then return '{"$nonFinite":"NaN"}' end
    if v == math.huge then return '{"$nonFinite":"Infinity"}' end
    if v == -math.huge then return '{"$nonFinite":"-Infinity"}' end
    if math.type(v) == 'integer' then return tostring(v) end
    return '{"$f64":"' .. hex(string.pack('>d', v)) .. '"}'
  elseif t == 'string' then return str(v)
  elseif t == 'boolean' then return tostring(v)
  elseif t == 'nil' then return 'null'
  elseif t == 'table' then
    local n = #v
    local count = 0
    for _ in pairs(v) do count = count + 1 end
    local parts = {}
    if count == n then
      for i = 1, n do parts[i] = __plain_json(v[i]) end
      return '[' .. table.concat(parts, ',') .. ']'
    end
    for k, x in pairs(v) do
      if type(x) ~= 'function' then parts[#parts + 1] = str(tostring(k)) .. ':' .. __plain_json(x) end
    end
    table.sort(parts)
    return '{' .. table.concat(parts, ',') .. '}'
  end
  return 'null'
end
`;

/** Where `hint` (the expected shape) has an empty object and `v` an empty array, use {}. */
export function settleEmpty(v: unknown, hint: unknown): unknown {
  if (Array.isArray(v)) {
    if (v.length === 0 && hint !== null && typeof hint === 'object' && !Array.isArray(hint)) return {};
    const h = Array.isArray(hint) ? hint : [];
    return v.map((x, i) => settleEmpty(x, h[i] ?? h[0]));
  }
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    const h = (hint !== null && typeof hint === 'object' ? hint : {}) as Record<string, unknown>;
    for (const k of Object.keys(o)) o[k] = settleEmpty(o[k], h[k]);
  }
  return v;
}

/**
 * Runs a Lua script in lua5.3 and returns the plain value it reports: the script calls
 * `__report(value)` (defined here) once; its JSON goes to stdout on a line of its own.
 * `__read_file(name)` reads one of `files` (written to the working folder).
 */
export function runLua53(script: string, o: { files?: Record<string, string>; timeoutMs?: number } = {}): Promise<unknown> {
  const timeoutMs = o.timeoutMs ?? 300000;
  const dir = mkdtempSync(join(tmpdir(), 'lua53-'));
  const file = join(dir, 'run.lua');
  // extra files in the working folder (read them with io.open)
  for (const name of Object.keys(o.files ?? {})) writeFileSync(join(dir, name), (o.files ?? {})[name]);
  writeFileSync(
    file,
    `${LUA_PLAIN_JSON}\nfunction __report(v) io.stdout:write('\\n@@PLAIN ', __plain_json(v), '\\n') end
function __read_file(n) local f = assert(io.open(n, 'rb')); local s = f:read('a'); f:close(); return s end\n${script}\n`,
  );
  return new Promise((done, fail) => {
    execFile(LUA53, [file], { cwd: dir, timeout: timeoutMs, maxBuffer: 64 << 20, killSignal: 'SIGKILL' }, (err, stdout, stderr) => {
      rmSync(dir, { recursive: true, force: true });
      const line = String(stdout)
        .split('\n')
        .find((l) => l.startsWith('@@PLAIN '));
      if (line === undefined) {
        fail(new Error(`lua5.3 reported nothing (${err ? err.message : 'exit 0'}):\n${String(stderr).slice(-2000)}${String(stdout).slice(-500)}`));
        return;
      }
      done(decodePlain(line.slice('@@PLAIN '.length)));
    });
  });
}
