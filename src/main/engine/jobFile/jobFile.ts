/**
 * Reads a job file (YAML, the shape of `jobConfigSchema`) into a validated JobConfig. Every problem is
 * reported at once as `file:line: field: what is wrong`, so a user fixes the file in one pass instead of
 * one error per run. Passwords come from the file only when written there, else from the environment;
 * prompting belongs to the CLI, which knows whether a terminal is attached.
 */
import { readFile } from 'node:fs/promises'
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml'
import type { z } from 'zod'
import { CutoverError } from '../../../shared/domain/errors'
import { jobConfigSchema, type JobConfig } from '../../../shared/domain/job'

export const passwordEnvironment = {
  source: 'CUTOVER_SOURCE_PASSWORD',
  target: 'CUTOVER_TARGET_PASSWORD',
} as const

export interface JobFileOptions {
  /** Where the password fallbacks are read; `process.env` unless a test or host passes its own. */
  env?: Record<string, string | undefined>
}

type Issue = z.core.$ZodIssue
type PathKey = PropertyKey

const expectedNames: Record<string, string> = {
  number: 'a number',
  int: 'a whole number',
  string: 'text',
  boolean: 'true or false',
  object: 'a mapping of "key: value" lines',
  array: 'a list',
  null: 'nothing (null)',
}

function invalid(path: string, problems: string[]): CutoverError {
  return new CutoverError({
    code: 'JOBFILE_INVALID',
    stage: 'precheck',
    message: `${path} is not a valid job file:\n${problems.map((p) => `  ${p}`).join('\n')}`,
    workaround:
      'Correct the listed lines and run the command again. `cutover precheck --help` shows an example job file.',
  })
}

function formatPath(path: readonly PathKey[]): string {
  let text = ''
  for (const key of path) {
    if (typeof key === 'number') text += `[${key}]`
    else text += text === '' ? String(key) : `.${String(key)}`
  }
  return text === '' ? '(top level)' : text
}

function valueAt(data: unknown, path: readonly PathKey[]): unknown {
  let value = data
  for (const key of path) {
    if (typeof value !== 'object' || value === null) return undefined
    value = (value as Record<PropertyKey, unknown>)[key]
  }
  return value
}

/** Unions report every branch's failure; the branch whose shape matches the input says what is really wrong. */
function flattenUnion(issue: Issue): Issue[] {
  if (issue.code !== 'invalid_union' || issue.errors.length === 0) return [issue]
  const plausible = issue.errors.filter(
    (branch) => !branch.some((i) => i.path.length === 0 && (i.code === 'invalid_type' || i.code === 'invalid_value')),
  )
  if (plausible.length !== 1) return [issue]
  return plausible[0]!.flatMap((i) => flattenUnion({ ...i, path: [...issue.path, ...i.path] } as Issue))
}

function describe(issue: Issue, data: unknown): { path: PathKey[]; text: string }[] {
  const path = [...issue.path]
  switch (issue.code) {
    case 'invalid_type': {
      if (valueAt(data, path) === undefined) return [{ path, text: 'is required' }]
      return [{ path, text: `expected ${expectedNames[issue.expected] ?? issue.expected}` }]
    }
    case 'invalid_value':
      return [{ path, text: `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}` }]
    case 'unrecognized_keys':
      return issue.keys.map((key) => ({
        path: [...path, key],
        text: 'unknown field (check its spelling and indentation)',
      }))
    case 'too_small':
      if (issue.message.startsWith('Too small')) {
        return [
          {
            path,
            text:
              issue.origin === 'array'
                ? `needs at least ${issue.minimum} entries`
                : `must be at least ${issue.minimum}`,
          },
        ]
      }
      return [{ path, text: issue.message }]
    case 'too_big':
      if (issue.message.startsWith('Too big')) return [{ path, text: `must be at most ${issue.maximum}` }]
      return [{ path, text: issue.message }]
    case 'invalid_union':
      return [{ path, text: 'does not match any allowed form (see the example job file)' }]
    default:
      return [{ path, text: issue.message }]
  }
}

/** The node at `path`, or its nearest existing ancestor, so a missing field points at its parent. */
function nodeAt(doc: Document, path: readonly PathKey[]): Node | null {
  for (let depth = path.length; depth >= 0; depth--) {
    const prefix = path.slice(0, depth)
    if (prefix.length === 0) return doc.contents
    const parent = prefix.length === 1 ? doc.contents : (doc.getIn(prefix.slice(0, -1), true) as unknown)
    const last = prefix[prefix.length - 1]
    if (isMap(parent)) {
      // Point at the key: for a value spread over lines the key's line is where the field starts.
      const pair = parent.items.find((p) => isScalar(p.key) && String(p.key.value) === String(last))
      if (pair && isScalar(pair.key)) return pair.key
    } else if (isSeq(parent) && typeof last === 'number') {
      const item = parent.items[last]
      if (item && typeof item === 'object' && 'range' in item) return item as Node
    }
  }
  return doc.contents
}

function lineOf(doc: Document, counter: LineCounter, path: readonly PathKey[]): number {
  const node = nodeAt(doc, path)
  const offset = node?.range?.[0]
  return offset === undefined ? 1 : counter.linePos(offset).line
}

/** YAML `password:` with nothing after it means "not written", not "an empty password". */
function dropNullPasswords(data: unknown): void {
  if (typeof data !== 'object' || data === null) return
  for (const side of ['source', 'target']) {
    const profile = (data as Record<string, unknown>)[side]
    if (typeof profile === 'object' && profile !== null && (profile as Record<string, unknown>)['password'] === null) {
      delete (profile as Record<string, unknown>)['password']
    }
  }
}

export function parseJobFile(text: string, path: string, options: JobFileOptions = {}): JobConfig {
  const counter = new LineCounter()
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false, uniqueKeys: true })
  if (doc.errors.length > 0) {
    throw invalid(
      path,
      doc.errors.map((e) => `${path}:${e.linePos?.[0]?.line ?? 1}: ${e.message.split('\n')[0]}`),
    )
  }
  const data: unknown = doc.toJS()
  if (data === null || data === undefined) throw invalid(path, [`${path}:1: the file is empty`])
  dropNullPasswords(data)
  const parsed = jobConfigSchema.safeParse(data)
  if (!parsed.success) {
    const problems = parsed.error.issues
      .flatMap(flattenUnion)
      .flatMap((issue) => describe(issue, data))
      .map((p) => ({ line: lineOf(doc, counter, p.path), text: `${formatPath(p.path)}: ${p.text}` }))
      .sort((a, b) => a.line - b.line)
    throw invalid(
      path,
      problems.map((p) => `${path}:${p.line}: ${p.text}`),
    )
  }
  return withPasswordEnvironment(parsed.data, options.env ?? process.env)
}

/** The passwords a config leaves out, from CUTOVER_SOURCE_PASSWORD / CUTOVER_TARGET_PASSWORD where those are set. */
export function withPasswordEnvironment(config: JobConfig, env: Record<string, string | undefined>): JobConfig {
  const filled = { ...config }
  for (const side of ['source', 'target'] as const) {
    if (filled[side].password !== undefined) continue
    const fromEnv = env[passwordEnvironment[side]]
    if (fromEnv !== undefined) filled[side] = { ...filled[side], password: fromEnv }
  }
  return filled
}

export async function loadJobFile(path: string, options: JobFileOptions = {}): Promise<JobConfig> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : 'cannot be read'
    throw new CutoverError({
      code: 'JOBFILE_UNREADABLE',
      stage: 'precheck',
      message: `The job file ${path} ${reason} (${(error as Error).message}).`,
      workaround: 'Check the path; it is relative to the directory you ran the command in.',
    })
  }
  return parseJobFile(text, path, options)
}
