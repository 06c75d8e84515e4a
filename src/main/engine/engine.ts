/**
 * The engine's front door: what the IPC handlers, the bridge and the CLI call. It owns the job store and
 * the secrets; stages (precheck, schema, dump, load, replicate) hang off it as later issues land.
 */
import type { CutoverErrorShape } from '../../shared/domain/errors'
import { CutoverError } from '../../shared/domain/errors'
import type { JobLogEntry, LogLevel } from '../../shared/domain/events'
import { toPublicProfile } from '../../shared/domain/connection'
import type { JobConfig, JobDetail, JobSecretName, JobSecrets, JobSummary } from '../../shared/domain/job'
import { jobSecretNames } from '../../shared/domain/job'
import type { JobStore, StoredJob } from '../store/jobStore'
import type { EngineEvents } from './engineEvents'
import { createEngineEvents } from './engineEvents'
import type { SecretBox } from './secretBox'
import type { JobOutcome, RunOptions, RunningJob } from './jobRunner'
import { startJob as startRunner } from './jobRunner'
import type { JobStatusReport } from '../../shared/domain/job'
import type { TableProgress } from '../../shared/domain/events'
import { randomUUID } from 'node:crypto'
import type { PrecheckReport } from '../../shared/domain/precheck'
import { runPrecheck } from './precheck/precheckRunner'
import { precheckStoreContext } from './precheck/storeContext'
import type { ConnectionProfile } from '../../shared/domain/connection'
import type { ConnectionTestResult } from '../../shared/domain/connectionTest'
import type { DiscoveredObjects } from '../../shared/domain/sourceObjects'
import { classifyConnectionError } from './connect/connectionErrors'
import { discoverObjects } from './connect/discovery'
import { openSession } from './connect/openSession'
import { detectServer } from './connect/serverInfo'
import { testConnection } from './connect/testConnection'
import { leaseAbandonment, leaseRenewMs, liveLeaseHolder, jobOwnedElsewhere, takeJobLease } from './jobLease'

export interface EngineOptions {
  store: JobStore
  secrets: SecretBox
}

/** Secret fields of a job config, by the name they are stored under. */
const secretFields: Record<JobSecretName, (c: JobConfig) => string | undefined> = {
  'source.password': (c: JobConfig) => c.source.password,
  'target.password': (c: JobConfig) => c.target.password,
  'source.ssh.password': (c: JobConfig) => c.source.ssh?.password,
  'source.ssh.passphrase': (c: JobConfig) => c.source.ssh?.passphrase,
  'target.ssh.password': (c: JobConfig) => c.target.ssh?.password,
  'target.ssh.passphrase': (c: JobConfig) => c.target.ssh?.passphrase,
}
type SecretName = JobSecretName

const secretLabels: Record<SecretName, string> = {
  'source.password': 'source password',
  'target.password': 'target password',
  'source.ssh.password': 'source SSH password',
  'source.ssh.passphrase': 'source SSH key passphrase',
  'target.ssh.password': 'target SSH password',
  'target.ssh.passphrase': 'target SSH key passphrase',
}

/** How often an engine looks for jobs another process left running when it died. */
const orphanSweepMs = 2 * leaseRenewMs

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

  /** Secrets the job was given in a process that could only hold them in memory, and that this process lacks. */
  function missingSecrets(jobId: string): SecretName[] {
    const held = storedSecretNames(jobId)
    return store
      .unsealedSecretNames(jobId)
      .filter((name): name is SecretName => (jobSecretNames as readonly string[]).includes(name) && !held.has(name))
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

  function readSecret(jobId: string, name: SecretName): string | undefined {
    const held = memorySecrets.get(jobId)?.get(name)
    if (held !== undefined) return held
    const sealed = store.getSealedSecret(jobId, name)
    return sealed ? secrets.open(sealed) : undefined
  }

  /** A stored job's config with its secrets put back, for the engine's own connections only. */
  function configWithSecrets(job: StoredJob): JobConfig {
    const side = (name: 'source' | 'target'): JobConfig['source'] => {
      const profile = job.config[name]
      const ssh = profile.ssh
        ? {
            ...profile.ssh,
            password: readSecret(job.id, `${name}.ssh.password`),
            passphrase: readSecret(job.id, `${name}.ssh.passphrase`),
          }
        : null
      return { ...profile, password: readSecret(job.id, `${name}.password`), ssh }
    }
    return { ...job.config, source: side('source'), target: side('target') }
  }

  const precheckRuns = new Map<string, AbortController>()
  /** Seals the config's secrets where the host can, else holds them in memory for this process. */
  function keepSecrets(jobId: string, config: JobConfig): void {
    const values: JobSecrets = {}
    for (const [name, read] of Object.entries(secretFields) as [SecretName, (c: JobConfig) => string | undefined][]) {
      values[name] = read(config)
    }
    keepSecretValues(jobId, values)
  }

  function keepSecretValues(jobId: string, values: JobSecrets): void {
    const unsealed: SecretName[] = []
    for (const [name, value] of Object.entries(values) as [SecretName, string | undefined][]) {
      if (value === undefined || value === '') continue
      if (secrets.atRest) store.saveSealedSecret(jobId, name, secrets.seal(value))
      else {
        const held = memorySecrets.get(jobId) ?? new Map<SecretName, string>()
        held.set(name, value)
        memorySecrets.set(jobId, held)
        unsealed.push(name)
      }
    }
    // Only the names: a later process (after a restart) knows which to ask for.
    if (unsealed.length > 0) store.recordUnsealedSecrets(jobId, unsealed)
  }

  const running = new Map<string, RunningJob>()

  /** Runs the job under its lease: refused (JOB_OWNED_ELSEWHERE) while another live process holds it. */
  function launch(job: StoredJob, options: RunOptions = {}): RunningJob {
    let run: RunningJob | null = null
    let owned = true
    const lease = takeJobLease(store, job, () => {
      owned = false
      log(
        job.id,
        'error',
        'Another process took this job over (this one had not renewed its lease in time, as after a long sleep); this run stops and leaves the job to it.',
        'JOB_LEASE_LOST',
      )
      run?.pause()
    })
    if (lease.takenOver) {
      const { lease: previous, reason } = lease.takenOver
      log(
        job.id,
        'warning',
        `Took the job over from process ${previous.pid} on ${previous.host} (owner since ${previous.acquiredAt}): ${reason}.`,
        'JOB_LEASE_TAKEN_OVER',
      )
    }
    try {
      run = startRunner(
        job,
        configWithSecrets(job),
        {
          store,
          log: (jobId, level, message, code) => void log(jobId, level, message, code ?? null),
          stageChanged: (jobId, stage, status, error) => {
            events.emit('job:stageChanged', { jobId, stage, status, error: error ? error.toShape() : null })
            events.emit('jobs:changed', { jobId, change: 'updated' })
          },
          progress: (progress) => events.emit('job:progress', progress),
          reconnecting: (jobId, retry) => events.emit('job:reconnecting', { jobId, retry }),
          ownsJob: () => owned,
        },
        options,
      )
    } catch (error) {
      lease.release()
      throw error
    }
    const started = run
    running.set(job.id, started)
    // The outcome is written before `done` settles, so the lease covers the run's last status write.
    const settled = () => {
      if (running.get(job.id) === started) running.delete(job.id)
      try {
        lease.release()
      } catch {
        // A store that cannot be written (a full disk): the lease names this process, taken over once it has ended.
      }
    }
    // A run whose store failed rejects `done` (its waiters get the error); settling here must not reject again.
    void started.done.then(settled, settled)
    return started
  }

  /** JOB_OWNED_ELSEWHERE when another live process runs the job (this process's own runs are in `running`). */
  function requireNoOtherOwner(job: StoredJob): void {
    if (running.has(job.id)) return
    const holder = liveLeaseHolder(store, job.id)
    if (holder) throw jobOwnedElsewhere(job.name, holder)
  }

  function log(jobId: string, level: LogLevel, message: string, code: string | null = null): JobLogEntry {
    const entry = store.appendEvent(jobId, level, message, code)
    events.emit('job:log', entry)
    return entry
  }

  /**
   * A job stored as running whose owner is gone (this host's process ended, or the lease went silent) was stopped
   * without pausing: it becomes interrupted, resumable from its checkpoints. At start-up, and every few seconds
   * for runs of other processes (a CLI run killed while this app is open).
   */
  function interruptOrphans(): void {
    for (const job of store.interruptOrphanedJobs((held) => leaseAbandonment(held) !== null)) {
      log(
        job.id,
        'warning',
        `The job was running (stage ${job.stage ?? 'none'}) when the process running it stopped without pausing it; it is interrupted and resumes from its checkpoints.`,
        'JOB_INTERRUPTED',
      )
      events.emit('job:stageChanged', { jobId: job.id, stage: job.stage, status: job.status, error: null })
      events.emit('jobs:changed', { jobId: job.id, change: 'updated' })
    }
  }
  interruptOrphans()
  const orphanSweep = setInterval(() => {
    try {
      interruptOrphans()
    } catch {
      // A busy store: the next sweep tries again.
    }
  }, orphanSweepMs)
  orphanSweep.unref()

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
        missingSecrets: missingSecrets(job.id),
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
      keepSecrets(job.id, config)
      log(
        job.id,
        'info',
        `Job created: ${config.type} migration, ${config.mode} mode, ${endpoint(config.source)} → ${endpoint(config.target)}.`,
      )
      if (!secrets.atRest && memorySecrets.has(job.id)) log(job.id, 'warning', secrets.note, 'SECRETS_NOT_AT_REST')
      events.emit('jobs:changed', { jobId: job.id, change: 'created' })
      return summary(job)
    },

    /** The secret as entered, for the engine's own connections only; never part of any response. */
    readSecret,

    /** Deletes a job in any state (a running one is stopped first; one another process runs is refused); irreversible. */
    async deleteJob(idOrName: string): Promise<{ deleted: true }> {
      const job = requireJob(idOrName)
      const run = running.get(job.id)
      // Deleting under another process's run would pull its rows from under it: that process stops it first.
      if (!run) requireNoOtherOwner(job)
      if (run) {
        run.pause()
        await run.done
      }
      store.deleteJob(job.id)
      memorySecrets.delete(job.id)
      events.emit('jobs:changed', { jobId: job.id, change: 'deleted' })
      return { deleted: true }
    },

    listEvents(
      idOrName: string,
      options: { afterId?: number; limit?: number; minLevel?: LogLevel; latest?: boolean },
    ): JobLogEntry[] {
      return store.listEvents(requireJob(idOrName).id, options)
    },

    failJob(jobId: string, error: CutoverErrorShape): void {
      const job = store.updateJob(jobId, { status: 'failed', lastError: error })
      log(jobId, 'error', `${error.message} Fix: ${error.workaround}`, error.code)
      events.emit('job:stageChanged', { jobId, stage: job.stage, status: job.status, error })
    },

    /** Precheck of an unsaved config (wizard) or a stored job, whose results are saved; items stream as `precheck:item`. */
    async runPrecheck(
      request: { runId?: string; config: JobConfig } | { runId?: string; jobId: string },
    ): Promise<PrecheckReport> {
      const runId = request.runId ?? randomUUID()
      const job = 'jobId' in request ? requireJob(request.jobId) : null
      const config = job ? configWithSecrets(job) : (request as { config: JobConfig }).config
      const controller = new AbortController()
      precheckRuns.set(runId, controller)
      try {
        const report = await runPrecheck(config, {
          signal: controller.signal,
          ...precheckStoreContext(store, job),
          onItem: (item) => events.emit('precheck:item', { runId, item }),
        })
        if (job) {
          store.savePrecheckResults(
            job.id,
            report.items.map((i) => ({ itemId: i.id, status: i.status, message: i.message, fix: i.fix })),
          )
          const { pass, warning, failed } = report.summary
          log(
            job.id,
            failed > 0 ? 'warning' : 'info',
            `Precheck: ${pass} passed, ${warning} warnings, ${failed} failed.`,
          )
        }
        return report
      } finally {
        precheckRuns.delete(runId)
      }
    },

    cancelPrecheck(runId: string): { cancelled: boolean } {
      const run = precheckRuns.get(runId)
      run?.abort()
      return { cancelled: run !== undefined }
    },

    /** Tests one side of an unsaved profile (its password used for this call only) or of a stored job. */
    testConnection(
      request: { side: 'source' | 'target'; profile: ConnectionProfile } | { side: 'source' | 'target'; jobId: string },
      signal?: AbortSignal,
    ): Promise<ConnectionTestResult> {
      const profile = 'jobId' in request ? configWithSecrets(requireJob(request.jobId))[request.side] : request.profile
      return testConnection(profile, request.side, { signal })
    },

    /** The source's databases and tables, for the object picker. */
    async discoverSourceObjects(
      request: { profile: ConnectionProfile } | { jobId: string },
    ): Promise<DiscoveredObjects> {
      const profile = 'jobId' in request ? configWithSecrets(requireJob(request.jobId)).source : request.profile
      const session = await openSession(profile, 'source')
      try {
        return await discoverObjects(session, await detectServer(session))
      } catch (error) {
        throw classifyConnectionError(error, { hop: 'query', profile, side: 'source' })
      } finally {
        await session.close()
      }
    },

    /** Gives a stored job the passwords of this run (the CLI resuming a job from its file). */
    provideSecrets(idOrName: string, config: JobConfig): void {
      keepSecrets(requireJob(idOrName).id, config)
    },

    /** JOB_OWNED_ELSEWHERE when another live process runs the job; lets the CLI refuse before its precheck. */
    requireNoOtherOwner(idOrName: string): void {
      requireNoOtherOwner(requireJob(idOrName))
    },

    /**
     * Starts a created job, or resumes a paused, failed or interrupted one from its checkpoints. `given`: secrets
     * entered again because this process does not hold them (see `missingSecrets` in `getJob`).
     */
    startJob(idOrName: string, options: RunOptions = {}, given: JobSecrets = {}): { started: true } {
      const job = requireJob(idOrName)
      if (running.has(job.id)) {
        throw new CutoverError({
          code: 'JOB_ALREADY_RUNNING',
          message: `The job "${job.name}" is already running.`,
          workaround: 'Pause it first if you want to change how it runs.',
        })
      }
      if (job.status === 'finished') {
        throw new CutoverError({
          code: 'JOB_FINISHED',
          message: `The job "${job.name}" has finished; there is nothing left to run.`,
          workaround: 'Create a new job to migrate again.',
        })
      }
      requireNoOtherOwner(job)
      keepSecretValues(job.id, given)
      const missing = missingSecrets(job.id)
      if (missing.length > 0) {
        throw new CutoverError({
          code: 'JOB_SECRETS_MISSING',
          message: `The job "${job.name}" needs its ${missing.map((n) => secretLabels[n]).join(', ')} again: they were kept in memory only, by a process that has since stopped.`,
          workaround:
            'Enter them when resuming (the app asks for them), or run the job file with `cutover run`, which reads them from the file, CUTOVER_SOURCE_PASSWORD / CUTOVER_TARGET_PASSWORD or a prompt.',
        })
      }
      launch(job, options)
      return { started: true }
    },

    /** Resolves when a running job stops (finished, paused or failed); immediately with its stored state otherwise. */
    async waitForJob(idOrName: string): Promise<JobOutcome | null> {
      const job = requireJob(idOrName)
      return (await running.get(job.id)?.done) ?? null
    },

    async pauseJob(idOrName: string): Promise<{ paused: true }> {
      const job = requireJob(idOrName)
      const run = running.get(job.id)
      if (!run) {
        // Another process's run is paused where it runs: this one cannot reach it.
        requireNoOtherOwner(job)
        // Stored as running with no live owner: say what it really is.
        if (job.status === 'running') interruptOrphans()
        throw new CutoverError({
          code: 'JOB_NOT_RUNNING',
          message: `The job "${job.name}" is not running (it is ${requireJob(job.id).status}).`,
          workaround: 'Only a running job can be paused.',
        })
      }
      run.pause()
      await run.done
      return { paused: true }
    },

    async rescaleJob(idOrName: string, spec: JobConfig['spec']): Promise<{ rescaled: true }> {
      const job = requireJob(idOrName)
      const run = running.get(job.id)
      if (!run && job.status !== 'paused' && job.status !== 'interrupted') {
        throw new CutoverError({
          code: 'JOB_RESCALE_STATE',
          message: `A job can be rescaled only while it is running, paused or interrupted; "${job.name}" is ${job.status}.`,
          workaround: 'Resume the job first, or create it with the spec you need.',
        })
      }
      // Rescaling changes the concurrency and the export cap; how the copy finishes tables stays as created.
      store.replaceConfig(job.id, {
        ...job.config,
        spec: { ...job.config.spec, concurrency: spec.concurrency, exportMBps: spec.exportMBps },
      })
      log(
        job.id,
        'info',
        `Spec changed to concurrency ${spec.concurrency}, export cap ${spec.exportMBps ? `${spec.exportMBps} MB/s` : 'none'}${run ? '; the job restarts with it' : ''}.`,
      )
      if (run) {
        // As in the console, rescaling restarts the job: the new readers need a new snapshot.
        run.pause()
        await run.done
        launch(requireJob(job.id))
      }
      return { rescaled: true }
    },

    jobStatus(idOrName: string): JobStatusReport {
      const job = requireJob(idOrName)
      const tables = new Map<string, TableProgress>()
      for (const chunk of store.listChunks(job.id)) {
        const t = tables.get(chunk.table) ?? {
          table: chunk.table,
          rowsDone: 0,
          rowsTotal: null,
          bytesDone: 0,
          rowsPerSecond: 0,
          etaSeconds: null,
        }
        if (chunk.state === 'done') {
          t.rowsDone += chunk.rows
          t.bytesDone += chunk.bytes
        }
        tables.set(chunk.table, t)
      }
      return {
        job: this.getJob(job.id),
        tables: [...tables.values()],
        positions: { snapshot: store.getPosition(job.id, 'snapshot'), applied: store.getPosition(job.id, 'applied') },
        running: running.has(job.id),
        retry: running.get(job.id)?.retry ?? null,
      }
    },

    /** Pauses running jobs (their checkpoints stay valid) and closes the store. */
    async shutdown(): Promise<void> {
      for (const run of running.values()) run.pause()
      // A run that failed to write its end (a full store disk) still lets the others stop and the store close.
      await Promise.allSettled([...running.values()].map((run) => run.done))
      this.close()
    },

    close(): void {
      clearInterval(orphanSweep)
      for (const run of precheckRuns.values()) run.abort()
      store.close()
    },
  }
}
