import type { JobStore } from '../../store/jobStore'
import type { ActiveJob } from './precheckFacts'

/**
 * What the precheck must know from the job store: the other jobs (for physical_single_job) and, for a job
 * being resumed, the tables it already started loading (their rows are its own, not a reason to refuse).
 */
export function precheckStoreContext(store: JobStore, jobId: string | null): { activeJobs: ActiveJob[]; resumedTables: string[] } {
  const activeJobs = store
    .listJobs()
    .filter((j) => j.id !== jobId)
    .map((j) => ({ id: j.id, name: j.name, mode: j.config.mode, status: j.status, target: { host: j.config.target.host, port: j.config.target.port } }))
  const resumedTables = jobId === null ? [] : [...new Set(store.listChunks(jobId).filter((c) => c.state !== 'pending').map((c) => c.table))]
  return { activeJobs, resumedTables }
}
