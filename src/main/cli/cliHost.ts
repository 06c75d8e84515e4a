/** What every CLI command stands on: the store at `--store` (or ~/.cutover/cutover.db) and an engine over it. */
import { homedir } from 'node:os'
import { join, resolve } from 'node:path'
import { createEngine } from '../engine/engine'
import type { Engine } from '../engine/engine'
import { memoryOnlySecrets } from '../engine/secretBox'
import { openJobStore } from '../store/jobStore'
import type { StoredJob } from '../store/jobStore'
import { CutoverError } from '../../shared/domain/errors'
import pkg from '../../../package.json'

export const cliVersion: string = pkg.version

export function defaultStorePath(): string {
  return process.env['CUTOVER_STORE'] ?? join(homedir(), '.cutover', 'cutover.db')
}

export function openEngine(storePath: string | undefined): Engine {
  const store = openJobStore(resolve(storePath ?? defaultStorePath()))
  return createEngine({ store, secrets: memoryOnlySecrets })
}

/** The stored job a command names (by name or id), or JOB_NOT_FOUND naming the store it looked in. */
export function requireStoredJob(engine: Engine, ref: string): StoredJob {
  const job = engine.store.getJob(ref) ?? engine.store.findJobByName(ref)
  if (job) return job
  throw new CutoverError({
    code: 'JOB_NOT_FOUND',
    message: `There is no job "${ref}" in the store ${engine.store.path}.`,
    workaround:
      '`cutover jobs` lists the jobs in that store; a job of another store (the app keeps its own) needs --store PATH or CUTOVER_STORE.',
  })
}
