import type { CutoverErrorShape, Stage } from './errors'
import type { JobStatus } from './job'

export const logLevels = ['debug', 'info', 'warning', 'error'] as const
export type LogLevel = (typeof logLevels)[number]

export interface JobLogEntry {
  id: number
  jobId: string
  time: string
  level: LogLevel
  code: string | null
  message: string
}

export interface TableProgress {
  table: string
  rowsDone: number
  rowsTotal: number | null
  bytesDone: number
  rowsPerSecond: number
  etaSeconds: number | null
}

export interface JobProgress {
  jobId: string
  stage: Stage
  tables: TableProgress[]
  rowsPerSecond: number
  bytesPerSecond: number
  lagSeconds: number | null
  lagBytes: number | null
}

export interface JobStageChanged {
  jobId: string
  stage: Stage | null
  status: JobStatus
  error: CutoverErrorShape | null
}
