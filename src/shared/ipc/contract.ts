/**
 * THE table of IPC channels. Invoke channels carry a request schema (parsed in main on every call) and a
 * response type; event channels carry a payload type. The preload API, the main registrations and the
 * browser bridge are all derived from these two objects — never from string literals elsewhere.
 */
import { z } from 'zod'
import type { CutoverErrorShape } from '../domain/errors'
import type {
  JobAlert,
  JobAlertEvent,
  JobLogEntry,
  JobProgress,
  JobReconnecting,
  JobSample,
  JobStageChanged,
} from '../domain/events'
import { logLevels } from '../domain/events'
import type { BlockedDdl, JobDetail, JobStatusReport, JobSummary } from '../domain/job'
import { jobConfigSchema, jobSecretsSchema, specSchema } from '../domain/job'
import type { PrecheckItem, PrecheckReport } from '../domain/precheck'
import { connectionSchema } from '../domain/connection'
import type { ConnectionTestResult } from '../domain/connectionTest'
import type { DiscoveredObjects } from '../domain/sourceObjects'
import type { ContinuousValidationStatus, ValidationProgress, ValidationResult } from '../domain/validation'
import type { CutoverProgress, CutoverReadiness, CutoverRecord } from '../domain/cutover'
import { cutoverRequestSchema } from '../domain/cutover'
import type { MigrationReport } from '../domain/report'
import type { AppSettings } from '../domain/settings'
import { appSettingsSchema } from '../domain/settings'

function invoke<Res>() {
  return <Req extends z.ZodType>(request: Req) => ({ request, response: undefined as unknown as Res })
}
function event<Payload>() {
  return { payload: undefined as unknown as Payload }
}

const empty = z.object({}).strict()
const jobRef = z.object({ id: z.string().min(1).max(200) }).strict()
/** `secrets`: the job's `missingSecrets`, entered again where the host keeps them in memory only. */
const jobStart = z.object({ id: z.string().min(1).max(200), secrets: jobSecretsSchema.optional() }).strict()

export interface AppInfo {
  version: string
  /** 'electron' in the desktop app, 'bridge' when served by `cutover serve`. */
  host: 'electron' | 'bridge'
  storePath: string
  /** False where passwords cannot be encrypted at rest (bridge, CLI): they are then never stored. */
  secretsAtRest: boolean
  secretsNote: string
  /** True where `dialog:openFile` can show the OS file picker (the desktop app); a browser must type paths. */
  nativeDialogs: boolean
}

/** What a file picked with `dialog:openFile` is for: it decides the dialog's title, filters and hidden files. */
export const filePurposes = ['tlsCa', 'tlsCert', 'tlsKey', 'sshKey'] as const
export type FilePurpose = (typeof filePurposes)[number]

export const invokeContract = {
  'app:info': invoke<AppInfo>()(empty),
  'job:list': invoke<JobSummary[]>()(empty),
  'job:get': invoke<JobDetail>()(jobRef),
  /** The job's throughput and lag over its whole run, oldest first (downsampled: 5 s for the last hour, coarser before). */
  'job:history': invoke<JobSample[]>()(jobRef),
  'job:create': invoke<JobSummary>()(z.object({ config: jobConfigSchema }).strict()),
  'job:delete': invoke<{ deleted: true }>()(jobRef),
  'job:events': invoke<JobLogEntry[]>()(
    z
      .object({
        id: z.string().min(1).max(200),
        afterId: z.number().int().min(0).optional(),
        limit: z.number().int().min(1).max(5000).default(500),
        minLevel: z.enum(logLevels).optional(),
        /** The newest `limit` entries (after `afterId`, if given), still oldest first in the answer. */
        latest: z.boolean().optional(),
      })
      .strict(),
  ),
  /** Starts a created job, or resumes a paused, failed or interrupted one from its checkpoints. */
  'job:start': invoke<{ started: true }>()(jobStart),
  /** Stops at the next safe point; committed work is kept. */
  'job:pause': invoke<{ paused: true }>()(jobRef),
  'job:resume': invoke<{ started: true }>()(jobStart),
  /** Starts a failed or paused job again from its checkpoints (the console's Restart). */
  'job:restart': invoke<{ started: true }>()(jobStart),
  /** Changes concurrency and the export cap of a running or paused job; a running job restarts with them. */
  'job:rescale': invoke<{ rescaled: true }>()(z.object({ id: z.string().min(1).max(200), spec: specSchema }).strict()),
  'job:status': invoke<JobStatusReport>()(jobRef),
  /**
   * Compares the job's tables (all, or `tables` as schema.table) between source and target; progress streams as
   * `validation:progress`, the result is stored as the job's last validation. Reads only.
   */
  'job:validate': invoke<ValidationResult>()(
    z
      .object({
        id: z.string().min(1).max(200),
        validationId: z.string().min(1).max(100).optional(),
        tables: z.array(z.string().min(3).max(200)).max(10_000).optional(),
        secrets: jobSecretsSchema.optional(),
      })
      .strict(),
  ),
  'validation:cancel': invoke<{ cancelled: boolean }>()(
    z.object({ validationId: z.string().min(1).max(100) }).strict(),
  ),
  /** The replicated DDL that stopped the job and the decision on it so far (null when none did). */
  'job:blockedDdl': invoke<BlockedDdl | null>()(jobRef),
  /** Skip that DDL, or run `statements` on the target in its place, when the job resumes. */
  'job:resolveDdl': invoke<BlockedDdl>()(
    z
      .object({
        id: z.string().min(1).max(200),
        action: z.enum(['skip', 'replace']),
        statements: z.array(z.string().min(1).max(100_000)).max(50).optional(),
      })
      .strict(),
  ),
  /** Whether the job may be cut over now, item by item, and how far its target is behind (also while paused). */
  'job:cutoverReadiness': invoke<CutoverReadiness>()(
    z
      .object({
        id: z.string().min(1).max(200),
        readySeconds: z.number().min(0).max(86_400).optional(),
        validate: cutoverRequestSchema.shape.validate.optional(),
      })
      .strict(),
  ),
  /** Cuts the job over (steps stream as `cutover:progress`); resolves with the recorded cutover point. */
  'job:cutover': invoke<CutoverRecord>()(
    z
      .object({ id: z.string().min(1).max(200), request: cutoverRequestSchema, secrets: jobSecretsSchema.optional() })
      .strict(),
  ),
  'job:cancelCutover': invoke<{ cancelled: boolean }>()(jobRef),
  /** The job's migration report, as data and as a self-contained HTML page. */
  'job:report': invoke<{ report: MigrationReport; html: string }>()(jobRef),
  /** The job's cutover point (null until it is cut over). */
  'job:cutoverRecord': invoke<CutoverRecord | null>()(jobRef),
  /** The job's most recent validation (null before the first). */
  'job:lastValidation': invoke<ValidationResult | null>()(jobRef),
  /** Runs the precheck on an unsaved config (wizard) or a stored job (results saved); items stream as `precheck:item`. */
  'precheck:run': invoke<PrecheckReport>()(
    z.union([
      z.object({ runId: z.string().min(1).max(100).optional(), config: jobConfigSchema }).strict(),
      z.object({ runId: z.string().min(1).max(100).optional(), jobId: z.string().min(1).max(200) }).strict(),
    ]),
  ),
  'precheck:cancel': invoke<{ cancelled: boolean }>()(z.object({ runId: z.string().min(1).max(100) }).strict()),
  /** Tests one side hop by hop: an unsaved profile (wizard; its password is used once) or a stored job's side. */
  'connection:test': invoke<ConnectionTestResult>()(
    z.union([
      z.object({ side: z.enum(['source', 'target']), profile: connectionSchema }).strict(),
      z.object({ side: z.enum(['source', 'target']), jobId: z.string().min(1).max(200) }).strict(),
    ]),
  ),
  /** The source's databases and tables for the object picker. */
  'source:objects': invoke<DiscoveredObjects>()(
    z.union([
      z.object({ profile: connectionSchema }).strict(),
      z.object({ jobId: z.string().min(1).max(200) }).strict(),
    ]),
  ),
  /** Alerts in force now (a job stopped too long, lag rising); each came or comes as a `job:alert` event too. */
  'alert:list': invoke<JobAlert[]>()(empty),
  /** The app's settings (alert thresholds), defaults filled in. */
  'settings:get': invoke<AppSettings>()(empty),
  /** Replaces the app's settings; alerts are evaluated again with them at once. */
  'settings:set': invoke<AppSettings>()(z.object({ settings: appSettingsSchema }).strict()),
  /** The OS file picker for a certificate or key path; `path` is null when the user cancels. Desktop only. */
  'dialog:openFile': invoke<{ path: string | null }>()(z.object({ purpose: z.enum(filePurposes) }).strict()),
} as const

export const eventContract = {
  'job:progress': event<JobProgress>(),
  'job:stageChanged': event<JobStageChanged>(),
  'job:log': event<JobLogEntry>(),
  /** A running job lost a server and waits for its next attempt; `retry: null` once it moves again. */
  'job:reconnecting': event<JobReconnecting>(),
  /** An alert raised (once per episode) or cleared (its condition ended). */
  'job:alert': event<JobAlertEvent>(),
  'jobs:changed': event<{ jobId: string; change: 'created' | 'deleted' | 'updated' }>(),
  'precheck:item': event<{ runId: string; item: PrecheckItem }>(),
  /** A validation began (`validation:finished` ends it, whatever its outcome). */
  'validation:started': event<{ validationId: string; jobId: string }>(),
  'validation:progress': event<ValidationProgress>(),
  'validation:finished': event<ValidationResult>(),
  /** A replicating job's continuous validation counts changed (at most once a second). */
  'validation:continuous': event<ContinuousValidationStatus>(),
  /** A replicating job's target has every change of the source's binlog, for the first time in this run. */
  'job:caughtUp': event<{ jobId: string; at: string }>(),
  /** A step of a job's cutover began, or the cutover ended (`done` / `failed`). */
  'cutover:progress': event<CutoverProgress>(),
} as const

export type InvokeChannel = keyof typeof invokeContract
export type EventChannel = keyof typeof eventContract
/** What a caller sends (defaults may be omitted). */
export type InvokeRequest<C extends InvokeChannel> = z.input<(typeof invokeContract)[C]['request']>
/** What a handler receives once main has parsed the request. */
export type ParsedRequest<C extends InvokeChannel> = z.output<(typeof invokeContract)[C]['request']>
export type InvokeResponse<C extends InvokeChannel> = (typeof invokeContract)[C]['response']
export type EventPayload<E extends EventChannel> = (typeof eventContract)[E]['payload']

export const invokeChannels = Object.keys(invokeContract) as InvokeChannel[]
export const eventChannels = Object.keys(eventContract) as EventChannel[]

export function isInvokeChannel(name: unknown): name is InvokeChannel {
  return typeof name === 'string' && Object.hasOwn(invokeContract, name)
}
export function isEventChannel(name: unknown): name is EventChannel {
  return typeof name === 'string' && Object.hasOwn(eventContract, name)
}

/** Every invoke answers with an envelope so that error codes survive the trip (Electron drops custom error fields). */
export type Envelope<T> = { ok: true; value: T } | { ok: false; error: CutoverErrorShape }

/** The API a transport (preload or bridge) gives the renderer: one method per channel. */
export interface CutoverTransport {
  invoke: { [C in InvokeChannel]: (request: InvokeRequest<C>) => Promise<Envelope<InvokeResponse<C>>> }
  on: { [E in EventChannel]: (listener: (payload: EventPayload<E>) => void) => () => void }
}

/** Messages of the browser bridge's WebSocket. */
export type BridgeClientMessage = { kind: 'invoke'; id: number; channel: string; payload: unknown }
export type BridgeServerMessage =
  | { kind: 'result'; id: number; envelope: Envelope<unknown> }
  | { kind: 'event'; channel: EventChannel; payload: unknown }
