// Read a board description by name from boards/*.json (host side).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { BoardDescription } from '../boards/board';

export function loadBoardJson(name: string): BoardDescription {
  const path = fileURLToPath(new URL(`../boards/${name}.json`, import.meta.url));
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new Error(`board '${name}': no file boards/${name}.json`);
  }
  return JSON.parse(text) as BoardDescription;
}
