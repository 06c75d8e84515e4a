/** What every CLI command stands on: the store at `--store` (or ~/.cutover/cutover.db) and an engine over it. */
import { homedir } from 'node:os'
import { join, resolve } from 'node:path'
import { createEngine } from '../engine/engine'
import type { Engine } from '../engine/engine'
import { memoryOnlySecrets } from '../engine/secretBox'
import { openJobStore } from '../store/jobStore'
import pkg from '../../../package.json'

export const cliVersion: string = pkg.version

export function defaultStorePath(): string {
  return process.env['CUTOVER_STORE'] ?? join(homedir(), '.cutover', 'cutover.db')
}

export function openEngine(storePath: string | undefined): Engine {
  const store = openJobStore(resolve(storePath ?? defaultStorePath()))
  return createEngine({ store, secrets: memoryOnlySecrets })
}
