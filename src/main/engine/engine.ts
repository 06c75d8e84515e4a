/**
 * The engine's front door: what the IPC handlers, the bridge and the CLI call. It owns the job store and
 * the secrets; stages (precheck, schema, dump, load, replicate) hang off it as later issues land.
 */
import type { CutoverErrorShape } from '../../shared/domain/errors'
import { CutoverError } from '../../shared/domain/errors'
import type { JobLogEntry, LogLevel, TableProgress, JobAlert } from '../../shared/domain/events'
import { toPublicProfile } from '../../shared/domain/connection'
import { precheckFixText } from '../../shared/domain/fixWording'
import type {
  JobConfig,
  JobDetail,
  JobSecretName,
  JobSecrets,
  JobStatus,
  JobSummary,
  BlockedDdl,
  JobStatusReport,
} from '../../shared/domain/job'
import { jobSecretNames } from '../../shared/domain/job'
import type { ControlAction, JobLease, JobStore, StoredJob } from '../store/jobStore'
import type { EngineEvents } from './engineEvents'
import { createEngineEvents } from './engineEvents'
import type { SecretBox } from './secretBox'
import type { JobOutcome, RunOptions, RunningJob } from './jobRunner'
import { startJob as startRunner } from './jobRunner'
import type { JobProgress, JobSample } from '../../shared/domain/events'
import { createHistoryRecorder } from './progressHistory'
import { randomUUID } from 'node:crypto'
import { hostname, tmpdir } from 'node:os'
import type { PrecheckReport } from '../../shared/domain/precheck'
import { runPrecheck } from './precheck/precheckRunner'
import { precheckStoreContext } from './precheck/storeContext'
import type { ConnectionProfile } from '../../shared/domain/connection'
import type { SqlSession } from './connect/session'
import type { ConnectionTestResult } from '../../shared/domain/connectionTest'
import type { DiscoveredObjects } from '../../shared/domain/sourceObjects'
import { classifyConnectionError } from './connect/connectionErrors'
import { discoverObjects } from './connect/discovery'
import { openSession } from './connect/openSession'
import { detectServer } from './connect/serverInfo'
import { testConnection } from './connect/testConnection'
import { leaseAbandonment, leaseRenewMs, liveLeaseHolder, jobOwnedElsewhere, takeJobLease } from './jobLease'
import { dirname, join } from 'node:path'
import type { ValidationResult } from '../../shared/domain/validation'
import { runValidation } from './validate/validationRunner'
import type { CutoverReadiness, CutoverRecord, CutoverRequestInput } from '../../shared/domain/cutover'
import { cutoverRequestSchema } from '../../shared/domain/cutover'
import { cutoverReadiness } from './cutover/readiness'
import { finishJob } from './cutover/finishJob'
import { selectSchemaObjects } from './schema/schemaObjects'
import type { MigrationReport } from '../../shared/domain/report'
import { buildMigrationReport } from './report/migrationReport'
import { renderReportHtml } from './report/reportHtml'
import type { AppSettings } from '../../shared/domain/settings'
import { watchAlerts } from './alerts/alertWatch'

/** What `controlJob` asks: pause, delete, or rescale to a new spec. */
export type JobControl = { action: 'pause' } | { action: 'delete' } | { action: 'rescale'; spec: JobConfig['spec'] }

export interface JobControlResult {
  job: string
  action: ControlAction
  /** The job's status once the action is done; 'deleted' once it is gone. */
  status: JobStatus | 'deleted'
  /** The other process that ran the job and acted on the request; null when no other process ran it. */
  owner: Pick<JobLease, 'pid' | 'host' | 'acquiredAt'> | null
}

/** How long `controlJob` waits for another process to act by default: a pause reaches a safe point within seconds. */
export const controlWaitMs = 60_000

export interface EngineOptions {
  store: JobStore
  secrets: SecretBox
  /** The alert rules' clock and timer (alerts/alertWatch.ts); tests move the clock instead of waiting hours. */
  alerts?: { now?: () => number; intervalMs?: number }
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

export function createEngine({ store, secrets, alerts: alertTiming }: EngineOptions) {
  const events: EngineEvents = createEngineEvents()
  const alerts = watchAlerts({ store, events, ...alertTiming })
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

  /**
   * JOB_SECRETS_MISSING before `doing` (`Validating`) connects without secrets the job was given in a process that
   * held them in memory only; `button` names the app's action, which asks for them.
   */
  function requireHeldSecrets(job: StoredJob, doing: string, button: string): void {
    const missing = missingSecrets(job.id)
    if (missing.length === 0) return
    throw new CutoverError({
      code: 'JOB_SECRETS_MISSING',
      message: `${doing} "${job.name}" needs its ${missing.map((n) => secretLabels[n]).join(', ')} again: they were kept in memory only, by a process that has since stopped.`,
      workaround:
        'Enter them again (the app asks for them), or set CUTOVER_SOURCE_PASSWORD / CUTOVER_TARGET_PASSWORD for the CLI.',
      surfaces: {
        app: `Enter them again: ${button} asks for them.`,
        cli: 'Set CUTOVER_SOURCE_PASSWORD / CUTOVER_TARGET_PASSWORD, or run the command on a terminal to be asked.',
      },
    })
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
  const history = createHistoryRecorder(store)
  // The job's throughput and lag series: recorded from the progress every stage emits.
  events.subscribe((channel, payload) => {
    if (channel === 'job:progress') history.add(payload as JobProgress)
  })
  /** Validations running in this process: by validation id, with the job they compare. */
  const validations = new Map<string, { jobId: string; controller: AbortController }>()
  /** Cutovers running in this process, by job id. */
  const cutovers = new Map<string, AbortController>()
  /** This process or another live one runs the job. */
  const runsAnywhere = (jobId: string) => running.has(jobId) || liveLeaseHolder(store, jobId) !== null

  /** Where a validation's repair SQL goes unless the caller names a file: beside the store. */
  function defaultRepairPath(job: StoredJob, validationId: string): string {
    const folder = store.path === ':memory:' ? tmpdir() : dirname(store.path)
    const stamp = new Date().toISOString().replace(/[:.]/g, '-')
    return join(folder, 'validations', `${job.name}-${stamp}-${validationId.slice(0, 8)}.sql`)
  }

  function summariseValidation(result: ValidationResult): string {
    const count = (status: string) => result.tables.filter((t) => t.status === status).length
    const rows = result.tables.reduce((n, t) => n + t.missing + t.extra + t.different, 0)
    if (result.status === 'failed' || result.status === 'cancelled') {
      return `Validation ${result.status}: ${result.error?.message ?? ''} (${result.tables.length} tables compared before it stopped).`
    }
    const others = [
      [count('different'), `differ (${rows} rows)`],
      [count('missing'), 'missing on the target'],
      [count('unsettled'), 'unsettled (kept changing while replicating)'],
      [count('failed'), 'not compared'],
    ] as const
    return (
      `Validation: ${count('equal')} of ${result.tables.length} tables equal` +
      others
        .filter(([n]) => n > 0)
        .map(([n, what]) => `; ${n} ${what}`)
        .join('') +
      (result.repairSqlPath ? `; repair SQL in ${result.repairSqlPath}` : '') +
      ` (${result.rowsCompared} rows, ${result.rowsPerSecond} rows/s).`
    )
  }
  /** The options each job was last started with, kept by a rescale's relaunch. */
  const launchOptions = new Map<string, RunOptions>()

  /** Runs the job under its lease: refused (JOB_OWNED_ELSEWHERE) while another live process holds it. */
  function launch(job: StoredJob, options: RunOptions = {}): RunningJob {
    launchOptions.set(job.id, options)
    let run: RunningJob | null = null
    let owned = true
    const lease = takeJobLease(
      store,
      job,
      () => {
        owned = false
        log(
          job.id,
          'error',
          'Another process took this job over (this one had not renewed its lease in time, as after a long sleep); this run stops and leaves the job to it.',
          'JOB_LEASE_LOST',
        )
        run?.pause()
      },
      () => serveControlRequest(job.id),
    )
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
      run = startRunner(job, configWithSecrets(job), { store, events, ownsJob: () => owned }, options)
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
        history.flush(job.id)
      } catch {
        // The last seconds of the chart are not worth failing the run's end over (a full disk fails it elsewhere).
      }
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

  /**
   * Jobs whose run this engine is stopping to act on (a rescale relaunches it, a delete removes it): `waitForJob`
   * waits for the action before it reports the run's end.
   */
  const handovers = new Map<string, Promise<void>>()

  async function handOver<T>(jobId: string, act: () => Promise<T>): Promise<T> {
    let finish = () => undefined as void
    handovers.set(jobId, new Promise<void>((resolve) => (finish = resolve)))
    try {
      return await act()
    } finally {
      handovers.delete(jobId)
      finish()
    }
  }

  /** Jobs whose control request this engine is acting on, until it has answered. */
  const serving = new Map<string, Promise<void>>()

  /** Acts on a request another process left for a job this engine runs (see `controlJob`); called every second. */
  function serveControlRequest(jobId: string): void {
    if (serving.has(jobId)) return
    let request
    try {
      request = store.takeControlRequest(jobId)
    } catch {
      // A busy store: the next tick looks again.
      return
    }
    if (!request) return
    const { requestId, action, spec } = request
    const what = action === 'rescale' && spec ? `rescale to concurrency ${spec.concurrency}` : action
    log(
      jobId,
      'info',
      `${what[0]!.toUpperCase()}${what.slice(1)} requested by ${request.requestedBy}.`,
      'JOB_CONTROL_REQUESTED',
    )
    const acting = (async () => {
      try {
        if (action === 'pause') await pauseJob(jobId)
        else if (action === 'delete') await deleteJob(jobId)
        else if (spec) await rescaleJob(jobId, spec)
        // A deleted job's request went with it.
        if (action !== 'delete') store.answerControlRequest(jobId, requestId, null)
      } catch (error) {
        const shape =
          error instanceof CutoverError
            ? error.toShape()
            : {
                code: 'JOB_CONTROL_FAILED',
                stage: null,
                retryable: false,
                message: String(error),
                workaround: 'See the job log.',
              }
        try {
          store.answerControlRequest(jobId, requestId, shape)
        } catch {
          // The requester times out and says the owner did not answer.
        }
      } finally {
        serving.delete(jobId)
      }
    })()
    serving.set(jobId, acting)
  }

  /** Deletes a job in any state (a running one is stopped first; one another process runs is refused); irreversible. */
  async function deleteJob(idOrName: string): Promise<{ deleted: true }> {
    const job = requireJob(idOrName)
    const run = running.get(job.id)
    // Deleting under another process's run would pull its rows from under it: that process stops it first.
    if (!run) requireNoOtherOwner(job)
    await handOver(job.id, async () => {
      if (run) {
        run.pause()
        await run.done
      }
      store.deleteJob(job.id)
    })
    memorySecrets.delete(job.id)
    events.emit('jobs:changed', { jobId: job.id, change: 'deleted' })
    return { deleted: true }
  }

  async function pauseJob(idOrName: string): Promise<{ paused: true }> {
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
  }

  async function rescaleJob(idOrName: string, spec: JobConfig['spec']): Promise<{ rescaled: true }> {
    const job = requireJob(idOrName)
    const run = running.get(job.id)
    if (!run && job.status !== 'paused' && job.status !== 'interrupted') {
      throw new CutoverError({
        code: 'JOB_RESCALE_STATE',
        message: `A job can be rescaled only while it is running, paused or interrupted; "${job.name}" is ${job.status}.`,
        workaround: 'Resume the job first, or create it with the spec you need.',
      })
    }
    // Rescaling changes the concurrency, the export cap and continuous validation; how the copy finishes tables
    // stays as created.
    if (job.config.type === 'existing' && spec.continuousValidation) {
      throw new CutoverError({
        code: 'JOB_RESCALE_SETTING',
        message: `Continuous validation follows the rows replication changes, and "${job.name}" copies existing data only.`,
        workaround: 'Validate the job once its copy is done.',
      })
    }
    const continuousValidation = spec.continuousValidation
    store.replaceConfig(job.id, {
      ...job.config,
      spec: { ...job.config.spec, concurrency: spec.concurrency, exportMBps: spec.exportMBps, continuousValidation },
    })
    log(
      job.id,
      'info',
      `Spec changed to concurrency ${spec.concurrency}, export cap ${spec.exportMBps ? `${spec.exportMBps} MiB/s` : 'none'}${job.config.type === 'existing' ? '' : `, continuous validation ${continuousValidation ? 'on' : 'off'}`}${run ? '; the job restarts with it' : ''}.`,
    )
    if (run) {
      // As in the console, rescaling restarts the job: the new readers need a new snapshot.
      await handOver(job.id, async () => {
        run.pause()
        await run.done
        launch(requireJob(job.id), launchOptions.get(job.id))
      })
    }
    return { rescaled: true }
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
        stageTimes: store.stageTimes(job.id),
        lastError: job.lastError,
        missingSecrets: missingSecrets(job.id),
      }
    },

    /** The job's throughput and lag over its whole run, oldest first (recorded from its progress, downsampled). */
    jobHistory(idOrName: string): JobSample[] {
      return store.listSamples(requireJob(idOrName).id)
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

    deleteJob,

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
            // The store keeps one text: the CLI's wording (`cutover status` and scripts read it).
            report.items.map((i) => ({
              itemId: i.id,
              status: i.status,
              message: i.message,
              fix: precheckFixText(i, 'cli'),
            })),
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
      if (job.status === 'cutover') {
        throw new CutoverError({
          code: 'JOB_CUT_OVER',
          message: `The job "${job.name}" was cut over at ${store.cutover(job.id)?.finishedAt ?? job.finishedAt ?? 'an earlier time'}: the application uses the target now, and the source's later changes are not replicated.`,
          workaround: 'Create a new job to migrate again; its report keeps the cutover point.',
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
          workaround: 'Give them again when resuming the job.',
          surfaces: {
            app: 'Enter them when resuming: Resume asks for them.',
            cli: `Set CUTOVER_SOURCE_PASSWORD / CUTOVER_TARGET_PASSWORD (or run on a terminal to be asked) for \`cutover resume ${job.name}\`, or run its job file with \`cutover run\`.`,
          },
        })
      }
      launch(job, options)
      return { started: true }
    },

    /** Resolves when a running job stops (finished, paused or failed); immediately with its stored state otherwise. */
    async waitForJob(idOrName: string): Promise<JobOutcome | null> {
      const job = requireJob(idOrName)
      let outcome: JobOutcome | null = null
      for (;;) {
        const run = running.get(job.id)
        if (!run) return outcome
        outcome = await run.done
        const handover = handovers.get(job.id)
        if (!handover) return outcome
        // A rescale relaunches the job (the loop waits for the new run); a delete leaves none.
        await handover
      }
    },

    pauseJob,

    rescaleJob,

    /**
     * Pause, delete or rescale a job wherever it runs. A job this process runs, or that no live process runs, is
     * acted on here; a job another process runs (a `cutover run` in a terminal, `cutover serve`, the app) gets a
     * request in the store, which its owner takes within about a second and acts on like the app's button. Waits
     * up to `waitMs` for the answer: the job paused, deleted or restarted with the new spec.
     */
    async controlJob(
      idOrName: string,
      control: JobControl,
      { waitMs = controlWaitMs, pollMs = 200 }: { waitMs?: number; pollMs?: number } = {},
    ): Promise<JobControlResult> {
      const job = requireJob(idOrName)
      const here = async (): Promise<JobControlResult> => {
        if (control.action === 'pause') await pauseJob(job.id)
        else if (control.action === 'delete') await deleteJob(job.id)
        else await rescaleJob(job.id, control.spec)
        const after = store.getJob(job.id)
        return { job: job.name, action: control.action, status: after ? after.status : 'deleted', owner: null }
      }
      const holder = running.has(job.id) ? null : liveLeaseHolder(store, job.id)
      if (!holder) return here()

      const requestId = randomUUID()
      store.requestControl(job.id, {
        requestId,
        action: control.action,
        spec: control.action === 'rescale' ? control.spec : null,
        requestedBy: `process ${process.pid} on ${hostname()}`,
      })
      const owner = { pid: holder.pid, host: holder.host, acquiredAt: holder.acquiredAt }
      const deadline = Date.now() + waitMs
      for (;;) {
        await new Promise((resolve) => setTimeout(resolve, pollMs))
        const now = store.getJob(job.id)
        if (!now) {
          if (control.action === 'delete') return { job: job.name, action: 'delete', status: 'deleted', owner }
          throw jobNotFound(job.name)
        }
        const answer = store.readControlRequest(job.id)
        if (answer?.requestId !== requestId) {
          throw new CutoverError({
            code: 'JOB_CONTROL_REPLACED',
            message: `Another request (${answer ? `${answer.action} from ${answer.requestedBy}` : 'withdrawn'}) replaced this ${control.action} of "${job.name}" before process ${holder.pid} on ${holder.host} acted on it.`,
            workaround: "Look at the job's status, then ask again if it is still needed.",
            surfaces: { cli: 'Look at the job with `cutover status`, then ask again if it is still needed.' },
          })
        }
        if (answer.state === 'done') return { job: job.name, action: control.action, status: now.status, owner }
        // A pause taken by an owner that stopped (its lease gone, the job no longer running) before it answered.
        if (
          answer.state === 'taken' &&
          control.action === 'pause' &&
          now.status !== 'running' &&
          !liveLeaseHolder(store, job.id)
        )
          return { job: job.name, action: 'pause', status: now.status, owner }
        if (answer.state === 'failed' && answer.error) throw new CutoverError(answer.error)
        // The owner ended (finished, failed, stopped) before taking the request: nothing runs the job any more.
        if (
          answer.state === 'pending' &&
          !liveLeaseHolder(store, job.id) &&
          store.withdrawControlRequest(job.id, requestId)
        )
          return here()
        if (Date.now() > deadline) {
          const taken = !store.withdrawControlRequest(job.id, requestId)
          throw new CutoverError({
            code: 'JOB_CONTROL_TIMEOUT',
            message: taken
              ? `Process ${holder.pid} on ${holder.host}, which runs "${job.name}", took the ${control.action} request but had not finished it after ${waitMs / 1000} s.`
              : `Process ${holder.pid} on ${holder.host}, which runs "${job.name}" (since ${holder.acquiredAt}), did not take the ${control.action} request within ${waitMs / 1000} s; the request is withdrawn.`,
            workaround: taken
              ? "It goes on in that process: follow it in the job's status."
              : 'A Cutover older than this one does not read requests: stop that run where it runs (Ctrl-C in its terminal, or the button in its window). Otherwise wait longer.',
            surfaces: {
              cli: taken
                ? 'It goes on in that process: follow it with `cutover status`.'
                : 'A Cutover older than this one does not read requests: stop that run where it runs (Ctrl-C in its terminal, or the button in its window). Otherwise wait longer (--wait SECONDS).',
            },
          })
        }
      }
    },

    jobStatus(idOrName: string): JobStatusReport {
      const job = requireJob(idOrName)
      const tables = new Map<string, TableProgress & { left: number }>()
      for (const chunk of store.listChunks(job.id)) {
        const t = tables.get(chunk.table) ?? {
          table: chunk.table,
          phase: 'queued',
          rowsDone: 0,
          rowsTotal: null,
          bytesDone: 0,
          rowsPerSecond: 0,
          etaSeconds: null,
          left: 0,
        }
        if (chunk.state === 'done') {
          t.rowsDone += chunk.rows
          t.bytesDone += chunk.bytes
        } else t.left++
        tables.set(chunk.table, t)
      }
      // From the store: a table with chunks left is copying (queued before its first), one with all chunks in is
      // done unless its deferred indexes are still to be built.
      const unbuilt = new Set(store.listDeferredIndexes(job.id).map((d) => d.table))
      for (const t of tables.values()) {
        t.phase = t.left > 0 ? (t.rowsDone > 0 ? 'copying' : 'queued') : unbuilt.has(t.table) ? 'indexing' : 'done'
        if (t.left === 0) t.rowsTotal = t.rowsDone
      }
      return {
        job: this.getJob(job.id),
        tables: [...tables.values()].map(({ left: _left, ...t }) => t),
        positions: { snapshot: store.getPosition(job.id, 'snapshot'), applied: store.getPosition(job.id, 'applied') },
        running: running.has(job.id),
        retry: running.get(job.id)?.retry ?? null,
        continuousValidation: store.continuousValidation(job.id),
      }
    },

    /**
     * Compares the job's tables between source and target (validate/validationRunner.ts), storing the result as the
     * job's last validation; progress streams as `validation:progress`. Reads only; the repair SQL is never run.
     */
    async validateJob(
      idOrName: string,
      request: { validationId?: string; tables?: string[]; repairSqlPath?: string } = {},
      given: JobSecrets = {},
      tuning: { chunkRows?: number; leafRows?: number; maxRechecks?: number; settleTimeoutMs?: number } = {},
    ): Promise<ValidationResult> {
      const job = requireJob(idOrName)
      if (job.status !== 'finished' && job.stage !== 'incremental') {
        throw new CutoverError({
          code: 'VALIDATE_NOT_READY',
          message: `The job "${job.name}" has not copied its existing data yet (stage ${job.stage ?? 'none'}, ${job.status}): the target is incomplete, so there is nothing to compare.`,
          workaround:
            'Validate once the existing data is copied: when an existing job has finished, or once a both / incremental job replicates.',
        })
      }
      for (const v of validations.values()) {
        if (v.jobId === job.id) {
          throw new CutoverError({
            code: 'VALIDATE_ALREADY_RUNNING',
            message: `A validation of "${job.name}" is already running.`,
            workaround: 'Wait for it to end, or cancel it first.',
          })
        }
      }
      keepSecretValues(job.id, given)
      requireHeldSecrets(job, 'Validating', 'Validate')
      const validationId = request.validationId ?? randomUUID()
      const controller = new AbortController()
      validations.set(validationId, { jobId: job.id, controller })
      const startedAt = new Date().toISOString()
      store.saveValidation({
        id: validationId,
        jobId: job.id,
        status: 'running',
        startedAt,
        finishedAt: null,
        tables: [],
        repairSqlPath: null,
        rowsCompared: 0,
        rowsPerSecond: 0,
        whileReplicating: false,
        error: null,
      })
      log(
        job.id,
        'info',
        `Validation started${request.tables?.length ? ` for ${request.tables.join(', ')}` : ''}.`,
        'VALIDATE_STARTED',
      )
      events.emit('validation:started', { validationId, jobId: job.id })
      let finished = false
      try {
        const result = await runValidation({
          ...tuning,
          validationId,
          jobId: job.id,
          jobName: job.name,
          config: configWithSecrets(job),
          store,
          tables: request.tables,
          repairSqlPath: request.repairSqlPath ?? defaultRepairPath(job, validationId),
          signal: controller.signal,
          onProgress: (progress) => events.emit('validation:progress', progress),
          log: (level, message, code) => void log(job.id, level, message, code ?? null),
        })
        store.saveValidation(result)
        const level = result.status === 'equal' ? 'info' : result.status === 'cancelled' ? 'info' : 'warning'
        log(job.id, level, summariseValidation(result), `VALIDATE_${result.status.toUpperCase()}`)
        finished = true
        events.emit('validation:finished', result)
        return result
      } catch (error) {
        // A run that threw (its store failed) still ends for its listeners: the screen, the power blocker.
        if (!finished) {
          const shape =
            error instanceof CutoverError
              ? error.toShape()
              : {
                  code: 'VALIDATE_FAILED',
                  stage: null,
                  retryable: false,
                  message: String((error as Error).message),
                  workaround:
                    "Validate again; if it fails the same way, check that the job store's disk has space and is writable.",
                }
          events.emit('validation:finished', {
            id: validationId,
            jobId: job.id,
            status: 'failed',
            startedAt,
            finishedAt: new Date().toISOString(),
            tables: [],
            repairSqlPath: null,
            rowsCompared: 0,
            rowsPerSecond: 0,
            whileReplicating: false,
            error: shape,
          })
        }
        throw error
      } finally {
        validations.delete(validationId)
      }
    },

    /**
     * Whether the job may be cut over now (cutover/readiness.ts), and how far its target is behind the source —
     * also while it is paused. Opens one source session for the binlog figures.
     */
    async cutoverReadiness(
      idOrName: string,
      request: Pick<CutoverRequestInput, 'readySeconds' | 'validate'> = {},
    ): Promise<CutoverReadiness> {
      const job = requireJob(idOrName)
      const parsed = cutoverRequestSchema.parse({ freeze: 'manual', ...request })
      let source: SqlSession | { error: string; secretsMissing?: boolean }
      const missing = missingSecrets(job.id)
      if (missing.length > 0) {
        // Connecting without them would only say "Access denied"; the cutover asks for them and checks again.
        source = {
          error: `this Cutover needs the job's ${missing.map((n) => secretLabels[n]).join(', ')} again (kept in memory only by a process that has since stopped).`,
          secretsMissing: true,
        }
      } else {
        try {
          source = await openSession(configWithSecrets(job).source, 'source')
        } catch (error) {
          source = { error: error instanceof Error ? error.message : String(error) }
        }
      }
      try {
        return await cutoverReadiness({ store, job, running: runsAnywhere(job.id), source }, parsed)
      } finally {
        if (!('error' in source)) await source.close().catch(() => undefined)
      }
    },

    /**
     * Cuts a replicating job over (cutover/finishJob.ts): the source's writes stop, the target applies the final
     * position, the changed tables are validated, the job stops and the point is recorded (status `cutover`).
     * Progress streams as `cutover:progress`; a failure gives the source its writes back and the job keeps running.
     */
    async cutoverJob(
      idOrName: string,
      input: CutoverRequestInput,
      given: JobSecrets = {},
      tuning: { pollMs?: number; flushMs?: number; validation?: { chunkRows?: number; leafRows?: number } } = {},
    ): Promise<CutoverRecord> {
      const job = requireJob(idOrName)
      const request = cutoverRequestSchema.parse(input)
      if (cutovers.has(job.id)) {
        throw new CutoverError({
          code: 'CUTOVER_ALREADY_RUNNING',
          message: `A cutover of "${job.name}" is already running.`,
          workaround: 'Wait for it to end, or cancel it.',
        })
      }
      keepSecretValues(job.id, given)
      requireHeldSecrets(job, 'Cutting over', 'Cut over')
      const config = configWithSecrets(job)
      const controller = new AbortController()
      cutovers.set(job.id, controller)
      const sourceInfo = await (async () => {
        const session = await openSession(config.source, 'source')
        try {
          return await detectServer(session)
        } finally {
          await session.close().catch(() => undefined)
        }
      })()
      try {
        return await finishJob(
          {
            store,
            job,
            sourceInfo,
            openSource: () => openSession(config.source, 'source'),
            readiness: () => this.cutoverReadiness(job.id, request),
            tables: async () => {
              const session = await openSession(config.source, 'source')
              try {
                const objects = await selectSchemaObjects(session, sourceInfo, config.objects)
                return objects.tables.map((t) => `${t.schema}.${t.name}`)
              } finally {
                await session.close().catch(() => undefined)
              }
            },
            validate: (tables) => this.validateJob(job.id, { tables }, {}, tuning.validation ?? {}),
            stopJob: async () => {
              await this.controlJob(job.id, { action: 'pause' })
            },
            stillRunning: () => runsAnywhere(job.id) && store.getJob(job.id)?.status === 'running',
            log: (level, message, code) => void log(job.id, level, message, code),
            progress: (p) => events.emit('cutover:progress', p),
            signal: controller.signal,
            pollMs: tuning.pollMs,
            flushMs: tuning.flushMs,
          },
          request,
        )
      } finally {
        cutovers.delete(job.id)
        const now = store.getJob(job.id)
        if (now?.status === 'cutover') {
          events.emit('job:stageChanged', { jobId: job.id, stage: now.stage, status: 'cutover', error: null })
          events.emit('jobs:changed', { jobId: job.id, change: 'updated' })
        }
      }
    },

    cancelCutover(idOrName: string): { cancelled: boolean } {
      const controller = cutovers.get(requireJob(idOrName).id)
      controller?.abort()
      return { cancelled: controller !== undefined }
    },

    /** The job's migration report (report/migrationReport.ts), as data and as one HTML page; from the store only. */
    migrationReport(idOrName: string): { report: MigrationReport; html: string } {
      const report = buildMigrationReport(store, requireJob(idOrName))
      return { report, html: renderReportHtml(report) }
    },

    /** The job's recorded cutover point, or null before it is cut over. */
    cutoverRecord(idOrName: string): CutoverRecord | null {
      return store.cutover(requireJob(idOrName).id)
    },

    cancelValidation(validationId: string): { cancelled: boolean } {
      const run = validations.get(validationId)
      run?.controller.abort()
      return { cancelled: run !== undefined }
    },

    lastValidation(idOrName: string): ValidationResult | null {
      return store.lastValidation(requireJob(idOrName).id)
    },

    /** The replicated DDL that stopped the job and the decision taken on it so far; null when none did. */
    blockedDdl(idOrName: string): BlockedDdl | null {
      return store.blockedDdl(requireJob(idOrName).id)
    },

    /**
     * Skips the DDL that stopped the job, or replaces it with `statements` (run on the target in its place); either
     * happens at exactly that binlog position when the job resumes. Recorded in the job's log.
     */
    resolveBlockedDdl(idOrName: string, action: 'skip' | 'replace', statements: string[] = []): BlockedDdl {
      const job = requireJob(idOrName)
      const blocked = store.blockedDdl(job.id)
      if (!blocked) {
        throw new CutoverError({
          code: 'JOB_NO_BLOCKED_DDL',
          message: `No replicated DDL is holding the job "${job.name}" back: there is nothing to skip or replace.`,
          workaround:
            'Skip and replace apply to a job stopped by a DDL (REPLICATE_DDL_FAILED, REPLICATE_DDL_UNSUPPORTED or REPLICATE_ONLINE_DDL_UNKNOWN).',
        })
      }
      if (job.status === 'running' || running.has(job.id) || liveLeaseHolder(store, job.id)) {
        throw new CutoverError({
          code: 'JOB_RUNNING',
          message: `The job "${job.name}" is running; the DDL it stopped on is decided while it is stopped.`,
          workaround: 'Pause the job (or wait until it stops), then skip or replace the DDL and resume it.',
        })
      }
      const replacement = statements.map((x) => x.trim().replace(/;+$/, '').trim()).filter((x) => x.length > 0)
      if (action === 'replace' && replacement.length === 0) {
        throw new CutoverError({
          code: 'JOB_REPLACEMENT_EMPTY',
          message: 'Replacing a DDL needs at least one statement to run on the target in its place.',
          workaround: 'Give the statements (one per --sql, or one per line), or skip the DDL instead.',
        })
      }
      store.decideBlockedDdl(job.id, action, action === 'replace' ? replacement : [])
      log(
        job.id,
        'warning',
        action === 'skip'
          ? `Decided: the DDL at ${blocked.at.file}:${blocked.at.position} is skipped when the job resumes (${blocked.statement.slice(0, 200)}).`
          : `Decided: the DDL at ${blocked.at.file}:${blocked.at.position} (${blocked.statement.slice(0, 200)}) is replaced when the job resumes by: ${replacement.join('; ').slice(0, 400)}.`,
        'REPLICATE_DDL_DECIDED',
      )
      return store.blockedDdl(job.id)!
    },

    /** Pauses running jobs (their checkpoints stay valid) and closes the store. */
    async shutdown(): Promise<void> {
      for (const run of running.values()) run.pause()
      // A run that failed to write its end (a full store disk) still lets the others stop and the store close.
      await Promise.allSettled([...running.values()].map((run) => run.done))
      // Requests being acted on (a pause from another process) write their answer before the store closes.
      await Promise.allSettled([...serving.values()])
      this.close()
    },

    /** Alerts in force: a job stopped longer than the settings allow, lag above the threshold and rising. */
    listAlerts(): JobAlert[] {
      alerts.evaluate()
      return alerts.active()
    },

    getSettings(): AppSettings {
      return store.getSettings()
    },

    /** Stores the settings (validated by the caller's schema) and applies the alert rules with them at once. */
    setSettings(settings: AppSettings): AppSettings {
      store.saveSettings(settings)
      alerts.evaluate()
      return store.getSettings()
    },

    close(): void {
      alerts.stop()
      clearInterval(orphanSweep)
      for (const run of precheckRuns.values()) run.abort()
      for (const run of validations.values()) run.controller.abort()
      store.close()
    },
  }
}
