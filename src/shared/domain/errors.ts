/** Every error that crosses a boundary (IPC, CLI output, the job log) has this shape; the renderer switches on `code`. */
export type Stage = 'precheck' | 'schema' | 'existing' | 'incremental'

export interface CutoverErrorShape {
  code: string
  stage: Stage | null
  retryable: boolean
  message: string
  workaround: string
}

export class CutoverError extends Error implements CutoverErrorShape {
  readonly code: string
  readonly stage: Stage | null
  readonly retryable: boolean
  readonly workaround: string

  constructor(shape: Omit<CutoverErrorShape, 'stage' | 'retryable'> & Partial<CutoverErrorShape>) {
    super(shape.message)
    this.name = 'CutoverError'
    this.code = shape.code
    this.stage = shape.stage ?? null
    this.retryable = shape.retryable ?? false
    this.workaround = shape.workaround
  }

  toShape(): CutoverErrorShape {
    return {
      code: this.code,
      stage: this.stage,
      retryable: this.retryable,
      message: this.message,
      workaround: this.workaround,
    }
  }
}

export function isCutoverErrorShape(value: unknown): value is CutoverErrorShape {
  if (typeof value !== 'object' || value === null) return false
  const v = value as Record<string, unknown>
  return typeof v.code === 'string' && typeof v.message === 'string' && typeof v.workaround === 'string'
}
