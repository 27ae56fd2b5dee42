// The child processes' side of the run's PKI: read the file the runner wrote.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BenchPki } from './contender.js';

/** The file, in the run's PKI folder, that holds the PEM material. */
export const PKI_FILE = 'pki.json';

/** Reads the material `createBenchPki` wrote. */
export async function readBenchPki(dir: string): Promise<BenchPki> {
  return JSON.parse(await readFile(join(dir, PKI_FILE), 'utf8')) as BenchPki;
}
