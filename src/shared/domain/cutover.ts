/**
 * The cutover: the moment the DBA switches the application from the source to the target. Cutover checks that the
 * job is ready, the source's writes stop (by the DBA, or by Cutover with read_only / FLUSH TABLES WITH READ LOCK),
 * the target applies exactly the source's final binlog position, a final validation runs, and the point is recorded.
 */
import { z } from 'zod'
import type { CutoverErrorShape } from './errors'
import type { BinlogPosition } from './position'

/**
 * How the source's writes stop:
 * - `manual`: the DBA stopped them (the application is stopped or switched); Cutover checks the binlog stays still;
 * - `read_only`: Cutover runs SET GLOBAL read_only = ON on the source and leaves it on (the source is retired);
 *   accounts with SUPER (MariaDB: READ ONLY ADMIN) still write, which the stillness check catches;
 * - `lock`: Cutover holds FLUSH TABLES WITH READ LOCK for the duration of the cutover, released at its end
 *   (writes that waited then run on the source): for applications already stopped, to catch stragglers.
 */
export const cutoverFreezes = ['manual', 'read_only', 'lock'] as const
export type CutoverFreeze = (typeof cutoverFreezes)[number]

/** Which tables the final validation compares: those changed since the last equal validation, all, or none. */
export const cutoverValidations = ['changed', 'all', 'none'] as const
export type CutoverValidationScope = (typeof cutoverValidations)[number]

export const cutoverRequestSchema = z
  .object({
    freeze: z.enum(cutoverFreezes),
    /** read_only and lock change the source server: the user said yes to exactly that. */
    confirmFreeze: z.boolean().default(false),
    validate: z.enum(cutoverValidations).default('changed'),
    /** Seconds the binlog must stay still before the final position is taken. */
    stillSeconds: z.number().min(0.5).max(600).default(3),
    /** Seconds to wait for the target to apply the final position before giving up (writes are released then). */
    applyTimeoutSeconds: z.number().min(1).max(86_400).default(300),
    /** Seconds lag must have stayed under 1 s for the job to be ready. */
    readySeconds: z.number().min(0).max(86_400).default(30),
  })
  .strict()
export type CutoverRequest = z.infer<typeof cutoverRequestSchema>
export type CutoverRequestInput = z.input<typeof cutoverRequestSchema>

export type ReadinessStatus = 'pass' | 'warning' | 'fail'

export interface ReadinessItem {
  id: 'type' | 'state' | 'lag' | 'validation' | 'continuous' | 'retention' | 'ddl'
  label: string
  status: ReadinessStatus
  detail: string
}

export interface CutoverReadiness {
  jobId: string
  checkedAt: string
  /** No item failed: the cutover may start (warnings are the DBA's to weigh). */
  ready: boolean
  items: ReadinessItem[]
  /** How far the target is behind: binlog bytes, and seconds since the newest applied source event when behind. */
  behind: JobBehind | null
}

/** How far a job's target is behind its source; null figures: unknown (the source could not be read). */
export interface JobBehind {
  bytes: number | null
  /** Seconds between the newest source event the target has and now, when bytes > 0; 0 when nothing is behind. */
  seconds: number | null
  applied: BinlogPosition | null
}

export const cutoverSteps = ['checking', 'freezing', 'still', 'applying', 'validating', 'recording', 'done'] as const
export type CutoverStep = (typeof cutoverSteps)[number]

/** `cutover:progress`: a step began (or the cutover ended: `done`, or `failed` with the error). */
export interface CutoverProgress {
  jobId: string
  step: CutoverStep | 'failed'
  message: string
  at: string
  error: CutoverErrorShape | null
}

/** The cutover point, stored with the job and written into its report. */
export interface CutoverRecord {
  jobId: string
  /** The source's final binlog position (and GTID set) that the target applied. */
  position: BinlogPosition
  startedAt: string
  finishedAt: string
  freeze: CutoverFreeze
  /** Milliseconds from the moment writes stopped (or, for `manual`, the cutover began) until the point was recorded. */
  freezeMs: number
  /** Whether the source was left with read_only = ON. */
  sourceReadOnly: boolean
  validation: { id: string | null; scope: CutoverValidationScope; tables: number; status: string }
  rowsCopied: number
  rowsReplicated: number
}
