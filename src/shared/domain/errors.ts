/** Every error that crosses a boundary (IPC, CLI output, the job log) has this shape; the renderer switches on `code`. */
export type Stage = 'precheck' | 'schema' | 'existing' | 'incremental'

/** Where a message is shown: the command line (job files, environment variables) or the app (its forms and steps). */
export type Surface = 'cli' | 'app'

export interface CutoverErrorShape {
  code: string
  stage: Stage | null
  retryable: boolean
  message: string
  /** The fix in words that hold on every surface. */
  workaround: string
  /** The fix as one surface words it, where that differs (a job file's field on the CLI, a form field in the app). */
  surfaces?: Partial<Record<Surface, string>>
}

/** The fix to show on `surface`. */
export function workaroundFor(error: Pick<CutoverErrorShape, 'workaround' | 'surfaces'>, surface: Surface): string {
  return error.surfaces?.[surface] ?? error.workaround
}

export class CutoverError extends Error implements CutoverErrorShape {
  readonly code: string
  readonly stage: Stage | null
  readonly retryable: boolean
  readonly workaround: string
  readonly surfaces: Partial<Record<Surface, string>> | undefined

  constructor(shape: Omit<CutoverErrorShape, 'stage' | 'retryable'> & Partial<CutoverErrorShape>) {
    super(shape.message)
    this.name = 'CutoverError'
    this.code = shape.code
    this.stage = shape.stage ?? null
    this.retryable = shape.retryable ?? false
    this.workaround = shape.workaround
    this.surfaces = shape.surfaces
  }

  toShape(): CutoverErrorShape {
    return {
      code: this.code,
      stage: this.stage,
      retryable: this.retryable,
      message: this.message,
      workaround: this.workaround,
      ...(this.surfaces ? { surfaces: this.surfaces } : {}),
    }
  }
}

export function isCutoverErrorShape(value: unknown): value is CutoverErrorShape {
  if (typeof value !== 'object' || value === null) return false
  const v = value as Record<string, unknown>
  return typeof v.code === 'string' && typeof v.message === 'string' && typeof v.workaround === 'string'
}
