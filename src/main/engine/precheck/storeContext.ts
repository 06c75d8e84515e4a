import type { JobConfig } from '../../../shared/domain/job'
import { withoutSecrets, type JobStore, type StoredJob } from '../../store/jobStore'
import type { ActiveJob } from './precheckFacts'

/** Whether two configs are one job's: equal apart from secrets and the spec (which a resume may change). */
export function sameJobSettings(a: JobConfig, b: JobConfig): boolean {
  return JSON.stringify({ ...withoutSecrets(a), spec: null }) === JSON.stringify({ ...withoutSecrets(b), spec: null })
}

/** The stored job that running `config` resumes: the one of its name with the same settings, if any. */
export function jobResumedBy(store: JobStore, config: JobConfig): StoredJob | null {
  const job = store.findJobByName(config.name)
  return job && sameJobSettings(job.config, config) ? job : null
}

/**
 * What the precheck must know from the job store: the other jobs (physical_single_job, shared_target_tables) and, for a job
 * being resumed, the tables it planned or loaded (their rows are its own, not a reason to refuse).
 */
export function precheckStoreContext(
  store: JobStore,
  job: Pick<StoredJob, 'id' | 'name'> | null,
): { activeJobs: ActiveJob[]; resumedTables: string[]; resumedJob: string | null } {
  const activeJobs = store
    .listJobs()
    .filter((j) => j.id !== job?.id)
    .map((j) => ({
      id: j.id,
      name: j.name,
      mode: j.config.mode,
      status: j.status,
      target: { host: j.config.target.host, port: j.config.target.port },
      source: { host: j.config.source.host, port: j.config.source.port },
      objects: j.config.objects,
      tables: [...new Set(store.listChunks(j.id).map((c) => c.table))],
    }))
  // Every table with a chunk checkpoint, pending ones included: a physical job stores its plan only after it found
  // those target tables empty, so whatever rows they hold now were written by this job.
  const resumedTables = job === null ? [] : [...new Set(store.listChunks(job.id).map((c) => c.table))]
  return { activeJobs, resumedTables, resumedJob: job?.name ?? null }
}
