import { z } from 'zod'
import { connectionSchema, type ConnectionProfileInput, type PublicConnectionProfile } from './connection'
import type { Stage } from './errors'
import { isSystemSchema, systemSchemaNames } from './sourceObjects'

export const jobTypes = ['existing', 'incremental', 'both'] as const
export type JobType = (typeof jobTypes)[number]
export const jobModes = ['logical', 'physical'] as const
export type JobMode = (typeof jobModes)[number]
/**
 * `interrupted`: was running when its process stopped without pausing it (closed app, killed process); resumable.
 * `cutover`: cut over: the target applied the source's final position, recorded as the job's cutover point; ended.
 */
export const jobStatuses = ['created', 'running', 'paused', 'failed', 'finished', 'interrupted', 'cutover'] as const
export type JobStatus = (typeof jobStatuses)[number]

/** The seed's rule: letter first, under 60 characters, letters, digits, `_` and `-`. */
export const jobNamePattern = /^[A-Za-z][A-Za-z0-9_-]{0,58}$/
export const jobNameRule = 'start with a letter, be under 60 characters, and use only letters, digits, _ and -'

function describeCharacter(ch: string): string {
  const names: Record<string, string> = { ' ': 'a space', '\t': 'a tab', '.': 'a dot', '/': 'a slash' }
  return names[ch] ?? `"${ch}"`
}

/**
 * What is wrong with a job name, naming the character or the length that breaks the rule, to follow "the name"
 * (`is empty`, `has a space at position 5; …`); null when it is valid.
 */
export function jobNameProblem(name: string): string | null {
  if (jobNamePattern.test(name)) return null
  if (name === '') return 'is empty; it must start with a letter'
  const chars = [...name]
  if (!/^[A-Za-z]$/.test(chars[0]!)) return `starts with ${describeCharacter(chars[0]!)}; it must start with a letter`
  const bad = chars.findIndex((ch) => !/^[A-Za-z0-9_-]$/.test(ch))
  if (bad >= 0) return `has ${describeCharacter(chars[bad]!)} at position ${bad + 1}; use only letters, digits, _ and -`
  return `is ${chars.length} characters long; it must be under 60`
}

export const startPositionSchema = z.union([
  z.literal('now'),
  z.object({ file: z.string().min(1), position: z.number().int().min(4) }).strict(),
  z.object({ gtid: z.string().min(1) }).strict(),
])
export type StartPosition = z.infer<typeof startPositionSchema>

/** `all`, or a list of `db` and `db.table` names. */
export const objectsSchema = z.union([
  z.literal('all'),
  z
    .array(
      z
        .string()
        .regex(/^[^.\s]+(\.[^.\s]+)?$/, 'use db or db.table')
        .superRefine((entry, ctx) => {
          const schema = entry.split('.')[0]!
          if (isSystemSchema(schema)) {
            ctx.addIssue({
              code: 'custom',
              message: `${schema} is a system schema; system schemas (${systemSchemaNames.join(', ')}) are never migrated`,
            })
          }
        }),
    )
    .min(1, 'choose at least one database or table'),
])

/** The retry budget of a job whose spec does not set one (and of jobs stored before the setting existed). */
export const defaultRetryMinutes = 15

export const specSchema = z
  .object({
    concurrency: z.number().int().min(1).max(64).default(4),
    exportMBps: z.number().min(0).max(100_000).default(0),
    /**
     * Whether tables the job creates get their plain secondary indexes after the data. 'auto': on a MySQL or
     * MariaDB target (one build is faster than row-wise upkeep), not on TiDB (its index backfill costs more than
     * writing the index entries with the rows).
     */
    deferIndexes: z.union([z.boolean(), z.literal('auto')]).default('auto'),
    /**
     * Whether the existing-data stage runs ANALYZE TABLE on each copied table. 'auto': yes, unless the target is a
     * TiDB with auto-analyze on, which collects the statistics of the new tables itself in the background (an
     * ANALYZE there costs seconds of TiDB CPU per million rows, in the copy's time).
     */
    analyze: z.union([z.boolean(), z.literal('auto')]).default('auto'),
    /**
     * How long the job keeps trying to get a lost source or target back (reconnecting with backoff from its
     * checkpoints) before it fails; 0 fails at the first lost connection. Covers a VPN reconnect or a laptop wake-up.
     */
    retryMinutes: z.number().min(0).max(10_080).default(defaultRetryMinutes),
    /**
     * Whether every row the binlog changes is compared again between source and target once applied, in the
     * background while the job replicates (pending and differing rows on the job page).
     */
    continuousValidation: z.boolean().default(false),
  })
  .strict()
export type JobSpec = z.infer<typeof specSchema>

export interface SettingContradiction {
  /** The field that cannot be kept as written, as a path into the job config. */
  path: (string | number)[]
  /** Why, and what to change. */
  message: string
}

/**
 * Settings that are each valid but cannot go together: the engine would ignore one of them silently. The job
 * schema refuses them, so the job file, the wizard and the bridge API all give the same reason.
 */
export function contradictorySettings(config: {
  type: JobType
  mode: JobMode
  start: StartPosition | null
  spec?: { continuousValidation?: boolean }
  source: Pick<ConnectionProfileInput, 'tls' | 'ssh'>
  target: Pick<ConnectionProfileInput, 'tls' | 'ssh'>
}): SettingContradiction[] {
  const found: SettingContradiction[] = []
  if (config.type === 'incremental' && config.mode === 'physical') {
    found.push({
      path: ['mode'],
      message:
        'physical mode loads existing data, and an incremental job copies none: remove "mode: physical" (or use type both)',
    })
  }
  if (config.type === 'existing' && config.spec?.continuousValidation) {
    found.push({
      path: ['spec', 'continuousValidation'],
      message:
        'continuous validation follows the rows replication changes, and an existing job never replicates: remove "continuousValidation" (or use type both)',
    })
  }
  if (config.type !== 'incremental' && config.start !== null) {
    found.push({
      path: ['start'],
      message: `a start position applies to incremental jobs only, and ${config.type === 'both' ? 'a both job replicates from the snapshot of its copy' : 'an existing job copies once and never replicates'}: remove "start" (or use type incremental)`,
    })
  }
  for (const side of ['source', 'target'] as const) {
    const { tls, ssh } = config[side]
    const files = (['ca', 'cert', 'key'] as const).filter((f) => tls?.[f])
    if ((tls?.mode ?? 'off') === 'off' && files.length > 0) {
      found.push({
        path: [side, 'tls', 'mode'],
        message: `TLS is off, so ${files.join(', ')} would be ignored: set tls.mode (required, verify-ca or verify-identity), or remove the certificate files`,
      })
    }
    if (ssh && ssh.passphrase !== undefined && ssh.passphrase !== '' && !ssh.privateKey) {
      found.push({
        path: [side, 'ssh', 'passphrase'],
        message: 'a passphrase unlocks a private key, and none is given: add ssh.privateKey, or remove the passphrase',
      })
    }
  }
  return found
}

export const jobConfigSchema = z
  .object({
    name: z.string().superRefine((name, ctx) => {
      const problem = jobNameProblem(name)
      if (problem) ctx.addIssue({ code: 'custom', message: `the job name ${problem}` })
    }),
    source: connectionSchema,
    target: connectionSchema.extend({ port: z.number().int().min(1).max(65535).default(4000) }),
    type: z.enum(jobTypes).default('both'),
    mode: z.enum(jobModes).default('logical'),
    objects: objectsSchema.default('all'),
    start: startPositionSchema.nullable().default(null),
    spec: specSchema.default({
      concurrency: 4,
      exportMBps: 0,
      deferIndexes: 'auto',
      analyze: 'auto',
      retryMinutes: defaultRetryMinutes,
      continuousValidation: false,
    }),
  })
  .strict()
  .superRefine((config, ctx) => {
    for (const { path, message } of contradictorySettings(config)) ctx.addIssue({ code: 'custom', path, message })
  })

export type JobConfig = z.infer<typeof jobConfigSchema>
export type JobConfigInput = z.input<typeof jobConfigSchema>

export interface JobSummary {
  id: string
  name: string
  type: JobType
  mode: JobMode
  status: JobStatus
  stage: Stage | null
  source: string
  target: string
  lagSeconds: number | null
  createdAt: string
  startedAt: string | null
  updatedAt: string
}

/** Names under which a job's secrets are kept (sealed in the store, or in memory where the host cannot seal). */
export const jobSecretNames = [
  'source.password',
  'target.password',
  'source.ssh.password',
  'source.ssh.passphrase',
  'target.ssh.password',
  'target.ssh.passphrase',
] as const
export type JobSecretName = (typeof jobSecretNames)[number]

/** Secrets given when starting or resuming a stored job (a host that keeps them in memory only lost them on restart). */
export const jobSecretsSchema = z.partialRecord(z.enum(jobSecretNames), z.string().max(10_000))
export type JobSecrets = z.infer<typeof jobSecretsSchema>

export interface JobDetail extends JobSummary {
  config: Omit<JobConfig, 'source' | 'target'> & {
    source: PublicConnectionProfile
    target: PublicConnectionProfile
  }
  finishedAt: string | null
  /** When each stage first ran and when the job left it (ISO times): a finished stage shows its duration. */
  stageTimes: Partial<Record<import('./errors').Stage, { startedAt: string; finishedAt: string | null }>>
  lastError: import('./errors').CutoverErrorShape | null
  /** Secrets the job was given that this process no longer holds: starting it needs them again. */
  missingSecrets: JobSecretName[]
}

/** What `cutover status` and the job details page show from the store: stage, per-table progress, positions. */
export interface JobStatusReport {
  job: JobDetail
  tables: import('./events').TableProgress[]
  positions: {
    snapshot: import('./position').BinlogPosition | null
    applied: import('./position').BinlogPosition | null
  }
  running: boolean
  /** Set while the job (run by this process) waits to reconnect to a lost server. */
  retry: import('./events').JobRetry | null
  /** The job's continuous validation (spec continuousValidation), as last written by the process running it. */
  continuousValidation: import('./validation').ContinuousValidationStatus | null
}

/** A replicated DDL that stopped a job, and what the DBA decided to do with it (applied when the job resumes). */
export interface BlockedDdl {
  /** Where the DDL's event ends in the source's binlog. */
  at: { file: string; position: number }
  statement: string
  /** Why it stopped the job. */
  reason: string
  action: 'skip' | 'replace' | null
  /** The statements run on the target in its place, for 'replace'. */
  replacement: string[]
  decidedAt: string | null
}
