// The part of better-sqlite3 12's API the history uses (the package ships no types and
// package.json is not ours to add @types/better-sqlite3; the lead may add it instead).
declare module 'better-sqlite3' {
  export interface RunResult {
    changes: number;
    lastInsertRowid: number | bigint;
  }
  export interface Statement {
    run(...params: unknown[]): RunResult;
    get(...params: unknown[]): unknown;
    all(...params: unknown[]): unknown[];
  }
  export interface Database {
    pragma(source: string, options?: { simple?: boolean }): unknown;
    exec(source: string): this;
    prepare(source: string): Statement;
    transaction<F extends (...args: never[]) => unknown>(fn: F): F;
    close(): this;
  }
  interface DatabaseConstructor {
    new (filename: string, options?: { readonly?: boolean; fileMustExist?: boolean; timeout?: number }): Database;
  }
  const Database: DatabaseConstructor;
  export default Database;
}
