/**
 * The engine's front door: what the IPC handlers, the bridge and the CLI call. It owns the job store and
 * the secrets; stages (precheck, schema, dump, load, replicate) hang off it as later issues land.
 */
import type { CutoverErrorShape } from '../../shared/domain/errors'
import { CutoverError } from '../../shared/domain/errors'
import type { JobLogEntry, LogLevel } from '../../shared/domain/events'
import { toPublicProfile } from '../../shared/domain/connection'
import type { JobConfig, JobDetail, JobSummary } from '../../shared/domain/job'
import type { JobStore, StoredJob } from '../store/jobStore'
import type { EngineEvents } from './engineEvents'
import { createEngineEvents } from './engineEvents'
import type { SecretBox } from './secretBox'

export interface EngineOptions {
  store: JobStore
  secrets: SecretBox
}

/** Secret fields of a job config, by the name they are stored under. */
const secretFields = {
  'source.password': (c: JobConfig) => c.source.password,
  'target.password': (c: JobConfig) => c.target.password,
  'source.ssh.password': (c: JobConfig) => c.source.ssh?.password,
  'source.ssh.passphrase': (c: JobConfig) => c.source.ssh?.passphrase,
  'target.ssh.password': (c: JobConfig) => c.target.ssh?.password,
  'target.ssh.passphrase': (c: JobConfig) => c.target.ssh?.passphrase,
} as const
type SecretName = keyof typeof secretFields

export function jobNotFound(id: string): CutoverError {
  return new CutoverError({
    code: 'JOB_NOT_FOUND',
    message: `There is no job "${id}".`,
    workaround: 'Refresh the jobs list; the job may have been deleted from another window or the CLI.',
  })
}

function endpoint(c: JobConfig['source']): string {
  return `${c.user}@${c.host}:${c.port}${c.ssh ? ` via ${c.ssh.host}` : ''}`
}

export type Engine = ReturnType<typeof createEngine>

export function createEngine({ store, secrets }: EngineOptions) {
  const events: EngineEvents = createEngineEvents()
  /** Secrets of hosts that cannot seal them: kept for this process only. */
  const memorySecrets = new Map<string, Map<SecretName, string>>()

  function requireJob(idOrName: string): StoredJob {
    const job = store.getJob(idOrName) ?? store.findJobByName(idOrName)
    if (!job) throw jobNotFound(idOrName)
    return job
  }

  function storedSecretNames(jobId: string): Set<string> {
    const names = new Set<string>(store.sealedSecretNames(jobId))
    for (const name of memorySecrets.get(jobId)?.keys() ?? []) names.add(name)
    return names
  }

  function summary(job: StoredJob): JobSummary {
    return {
      id: job.id,
      name: job.name,
      type: job.config.type,
      mode: job.config.mode,
      status: job.status,
      stage: job.stage,
      source: endpoint(job.config.source),
      target: endpoint(job.config.target),
      lagSeconds: job.lagSeconds,
      createdAt: job.createdAt,
      startedAt: job.startedAt,
      updatedAt: job.updatedAt,
    }
  }

  function log(jobId: string, level: LogLevel, message: string, code: string | null = null): JobLogEntry {
    const entry = store.appendEvent(jobId, level, message, code)
    events.emit('job:log', entry)
    return entry
  }

  return {
    events,
    store,
    secretsAtRest: secrets.atRest,
    secretsNote: secrets.note,

    listJobs(): JobSummary[] {
      return store.listJobs().map(summary)
    },

    getJob(idOrName: string): JobDetail {
      const job = requireJob(idOrName)
      const names = storedSecretNames(job.id)
      return {
        ...summary(job),
        config: {
          ...job.config,
          source: toPublicProfile(job.config.source, (field) => names.has(`source.${field}`)),
          target: toPublicProfile(job.config.target, (field) => names.has(`target.${field}`)),
        },
        finishedAt: job.finishedAt,
        lastError: job.lastError,
      }
    },

    createJob(config: JobConfig): JobSummary {
      if (store.findJobByName(config.name)) {
        throw new CutoverError({
          code: 'JOB_NAME_TAKEN',
          message: `A job named "${config.name}" already exists.`,
          workaround: 'Choose another name, or delete the existing job first.',
        })
      }
      const job = store.createJob(config)
      for (const [name, read] of Object.entries(secretFields) as [SecretName, (c: JobConfig) => string | undefined][]) {
        const value = read(config)
        if (value === undefined || value === '') continue
        if (secrets.atRest) store.saveSealedSecret(job.id, name, secrets.seal(value))
        else {
          const held = memorySecrets.get(job.id) ?? new Map<SecretName, string>()
          held.set(name, value)
          memorySecrets.set(job.id, held)
        }
      }
      log(job.id, 'info', `Job created: ${config.type} migration, ${config.mode} mode, ${endpoint(config.source)} → ${endpoint(config.target)}.`)
      if (!secrets.atRest && memorySecrets.has(job.id)) log(job.id, 'warning', secrets.note, 'SECRETS_NOT_AT_REST')
      events.emit('jobs:changed', { jobId: job.id, change: 'created' })
      return summary(job)
    },

    /** The secret as entered, for the engine's own connections only; never part of any response. */
    readSecret(jobId: string, name: SecretName): string | undefined {
      const held = memorySecrets.get(jobId)?.get(name)
      if (held !== undefined) return held
      const sealed = store.getSealedSecret(jobId, name)
      return sealed ? secrets.open(sealed) : undefined
    },

    deleteJob(idOrName: string): { deleted: true } {
      const job = requireJob(idOrName)
      store.deleteJob(job.id)
      memorySecrets.delete(job.id)
      events.emit('jobs:changed', { jobId: job.id, change: 'deleted' })
      return { deleted: true }
    },

    listEvents(idOrName: string, options: { afterId?: number; limit?: number; minLevel?: LogLevel }): JobLogEntry[] {
      return store.listEvents(requireJob(idOrName).id, options)
    },

    failJob(jobId: string, error: CutoverErrorShape): void {
      const job = store.updateJob(jobId, { status: 'failed', lastError: error })
      log(jobId, 'error', `${error.message} Fix: ${error.workaround}`, error.code)
      events.emit('job:stageChanged', { jobId, stage: job.stage, status: job.status, error })
    },

    close(): void {
      store.close()
    },
  }
}
