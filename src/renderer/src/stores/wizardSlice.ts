/**
 * The create-job wizard's draft. Passwords typed here live only in this draft: they are sent with
 * connection:test, source:objects, precheck:run and job:create, and the draft is wiped once the job exists.
 */
import type { StateCreator } from 'zustand'
import type { ConnectionProfileInput, TlsMode } from '../../../shared/domain/connection'
import type { ConnectionTestResult } from '../../../shared/domain/connectionTest'
import { usableBeforeJobType } from '../../../shared/domain/connectionTest'
import type { JobConfigInput, JobMode, JobSpec, JobType } from '../../../shared/domain/job'
import { defaultRetryMinutes } from '../../../shared/domain/job'
import type { PrecheckItem, PrecheckReport } from '../../../shared/domain/precheck'
import type { DiscoveredObjects } from '../../../shared/domain/sourceObjects'
import { call } from '../api'
import { describeProblem, type ProblemText } from './jobsSlice'
import { reachedAfterEdit } from './wizardSteps'
import type { Store } from './store'
import { newRunId } from '../runId'

export type Side = 'source' | 'target'
export type WizardStep = 1 | 2 | 3 | 4 | 5

export interface ConnectionDraft {
  host: string
  port: string
  user: string
  password: string
  tlsMode: TlsMode
  ca: string
  cert: string
  key: string
  sshEnabled: boolean
  sshHost: string
  sshPort: string
  sshUser: string
  sshAuth: 'password' | 'key'
  sshPassword: string
  sshKeyPath: string
  sshPassphrase: string
}

export interface WizardDraft {
  name: string
  source: ConnectionDraft
  target: ConnectionDraft
  type: JobType
  mode: JobMode
  startKind: 'now' | 'position' | 'gtid'
  startFile: string
  startPosition: string
  startGtid: string
  objectsMode: 'all' | 'custom'
  /** `db` (the whole database, tables created later included) or `db.table`. */
  selected: string[]
  concurrency: number
  exportMBps: number
  deferIndexes: JobSpec['deferIndexes']
  /** Minutes the job keeps reconnecting to a lost server before it fails. */
  retryMinutes: number
  /** Compare every row replication changes again in the background (jobs that replicate). */
  continuousValidation: boolean
}

/** A side's last test: the engine's hop-by-hop result, or the error the call itself threw. */
export type SideTest = { result: ConnectionTestResult; problem: null } | { result: null; problem: ProblemText }

export interface WizardPrecheck {
  runId: string
  items: PrecheckItem[]
  report: PrecheckReport | null
  running: boolean
  problem: ProblemText | null
}

export interface WizardSlice {
  step: WizardStep
  /**
   * The furthest step the draft is valid up to: the stepper opens every step up to it. Going back keeps it; a change
   * on a step brings it back to that step, whose Next checks the change.
   */
  reached: WizardStep
  draft: WizardDraft
  tests: Partial<Record<Side, SideTest>>
  validating: boolean
  objects: DiscoveredObjects | null
  objectsProblem: ProblemText | null
  objectsLoading: boolean
  precheck: WizardPrecheck | null
  creating: boolean
  createProblem: ProblemText | null
  setStep: (step: WizardStep) => void
  editDraft: (patch: Partial<WizardDraft>) => void
  editConnection: (side: Side, patch: Partial<ConnectionDraft>) => void
  validateConnections: () => Promise<boolean>
  loadObjects: () => Promise<void>
  runPrecheck: () => Promise<void>
  cancelPrecheck: () => void
  receivePrecheckItem: (runId: string, item: PrecheckItem) => void
  createAndStart: () => Promise<string | null>
  resetWizard: () => void
}

export const emptyConnection = (port: string): ConnectionDraft => ({
  host: '',
  port,
  user: '',
  password: '',
  tlsMode: 'off',
  ca: '',
  cert: '',
  key: '',
  sshEnabled: false,
  sshHost: '',
  sshPort: '22',
  sshUser: '',
  sshAuth: 'password',
  sshPassword: '',
  sshKeyPath: '',
  sshPassphrase: '',
})

const emptyDraft = (): WizardDraft => ({
  name: '',
  source: emptyConnection('3306'),
  target: emptyConnection('4000'),
  type: 'both',
  mode: 'logical',
  startKind: 'now',
  startFile: '',
  startPosition: '',
  startGtid: '',
  objectsMode: 'all',
  selected: [],
  concurrency: 4,
  exportMBps: 0,
  deferIndexes: 'auto',
  retryMinutes: defaultRetryMinutes,
  continuousValidation: false,
})

const orNull = (value: string) => (value.trim() === '' ? null : value.trim())

export function toProfile(c: ConnectionDraft): ConnectionProfileInput {
  return {
    host: c.host.trim(),
    port: Number(c.port),
    user: c.user.trim(),
    ...(c.password === '' ? {} : { password: c.password }),
    // The form hides the certificate fields while TLS is off; what it hides is not sent.
    tls:
      c.tlsMode === 'off'
        ? { mode: 'off' }
        : { mode: c.tlsMode, ca: orNull(c.ca), cert: orNull(c.cert), key: orNull(c.key) },
    ssh: c.sshEnabled
      ? {
          host: c.sshHost.trim(),
          port: Number(c.sshPort),
          user: c.sshUser.trim(),
          ...(c.sshAuth === 'password'
            ? c.sshPassword === ''
              ? {}
              : { password: c.sshPassword }
            : { privateKey: c.sshKeyPath.trim(), ...(c.sshPassphrase === '' ? {} : { passphrase: c.sshPassphrase }) }),
        }
      : null,
  }
}

export function toConfig(d: WizardDraft): JobConfigInput {
  const start =
    d.type !== 'incremental'
      ? null
      : d.startKind === 'now'
        ? ('now' as const)
        : d.startKind === 'position'
          ? { file: d.startFile.trim(), position: Number(d.startPosition) }
          : { gtid: d.startGtid.trim() }
  return {
    name: d.name,
    source: toProfile(d.source),
    target: toProfile(d.target),
    type: d.type,
    mode: d.mode,
    objects: d.objectsMode === 'all' || d.selected.length === 0 ? 'all' : d.selected,
    start,
    spec: {
      concurrency: d.concurrency,
      exportMBps: d.exportMBps,
      deferIndexes: d.deferIndexes,
      retryMinutes: d.retryMinutes,
      continuousValidation: d.type !== 'existing' && d.continuousValidation,
    },
  }
}

type WizardState = Pick<
  WizardSlice,
  | 'step'
  | 'reached'
  | 'draft'
  | 'tests'
  | 'validating'
  | 'objects'
  | 'objectsProblem'
  | 'objectsLoading'
  | 'precheck'
  | 'creating'
  | 'createProblem'
>

/** A wizard at its first step with nothing entered: the initial state, and what `resetWizard` returns to. */
function freshWizard(): WizardState {
  return {
    step: 1,
    reached: 1,
    draft: emptyDraft(),
    tests: {},
    validating: false,
    objects: null,
    objectsProblem: null,
    objectsLoading: false,
    precheck: null,
    creating: false,
    createProblem: null,
  }
}

export const createWizardSlice: StateCreator<Store, [], [], WizardSlice> = (set, get) => ({
  ...freshWizard(),
  setStep: (step) => {
    if (get().step === 4 && step !== 4) get().cancelPrecheck()
    set((s) => ({ step, reached: Math.max(s.reached, step) as WizardStep }))
  },
  editDraft: (patch) =>
    set((s) => {
      const draft = { ...s.draft, ...patch }
      // Physical mode loads existing data; an incremental-only job has none.
      if (draft.type === 'incremental') draft.mode = 'logical'
      // Anything that changes what the precheck looked at makes its result stale.
      const stale = ['type', 'mode', 'objectsMode', 'selected', 'start'].some((k) => k in patch)
      return { draft, reached: reachedAfterEdit(s.reached, patch), ...(stale ? { precheck: null } : {}) }
    }),
  editConnection: (side, patch) =>
    set((s) => ({
      reached: 1,
      draft: { ...s.draft, [side]: { ...s.draft[side], ...patch } },
      // A changed profile invalidates its test and everything read through it.
      tests: { ...s.tests, [side]: undefined },
      precheck: null,
      ...(side === 'source' ? { objects: null, objectsProblem: null } : {}),
    })),
  validateConnections: async () => {
    set({ validating: true, tests: {} })
    const { draft } = get()
    const test = async (side: Side): Promise<SideTest> => {
      try {
        return { result: await call('connection:test', { side, profile: toProfile(draft[side]) }), problem: null }
      } catch (error) {
        return { result: null, problem: describeProblem(error) }
      }
    }
    const [source, target] = await Promise.all([test('source'), test('target')])
    set({ validating: false, tests: { source, target } })
    // A source whose binlog reader failed is enough here: the precheck decides once the type is known.
    return Boolean(source.result && usableBeforeJobType(source.result) && target.result?.ok)
  },
  loadObjects: async () => {
    if (get().objectsLoading) return
    set({ objectsLoading: true, objectsProblem: null })
    try {
      const objects = await call('source:objects', { profile: toProfile(get().draft.source) })
      set({ objects, objectsLoading: false })
    } catch (error) {
      set({ objectsProblem: describeProblem(error), objectsLoading: false })
    }
  },
  runPrecheck: async () => {
    get().cancelPrecheck()
    const runId = newRunId()
    set({ precheck: { runId, items: [], report: null, running: true, problem: null } })
    try {
      const report = await call('precheck:run', { runId, config: toConfig(get().draft) })
      if (get().precheck?.runId === runId)
        set({ precheck: { runId, items: report.items, report, running: false, problem: null } })
    } catch (error) {
      const current = get().precheck
      if (current?.runId === runId) set({ precheck: { ...current, running: false, problem: describeProblem(error) } })
    }
  },
  cancelPrecheck: () => {
    const current = get().precheck
    if (current?.running) {
      void call('precheck:cancel', { runId: current.runId }).catch(() => undefined)
      set({ precheck: null })
    }
  },
  receivePrecheckItem: (runId, item) => {
    const current = get().precheck
    if (!current || current.runId !== runId || current.report) return
    set({ precheck: { ...current, items: [...current.items.filter((i) => i.id !== item.id), item] } })
  },
  createAndStart: async () => {
    set({ creating: true, createProblem: null })
    let id: string | null = null
    try {
      id = (await call('job:create', { config: toConfig(get().draft) })).id
      await call('job:start', { id })
      get().resetWizard()
      return id
    } catch (error) {
      set({ creating: false, createProblem: describeProblem(error) })
      // Created but not started: the job exists, so the draft (and its passwords) must go all the same.
      if (id) get().resetWizard()
      return id
    }
  },
  resetWizard: () => set(freshWizard()),
})

/** Size of what the draft selects, from the source's own statistics (estimates, good for sizing only). */
export function selectedTotals(
  objects: DiscoveredObjects | null,
  draft: Pick<WizardDraft, 'objectsMode' | 'selected'>,
) {
  let bytes = 0
  let dataBytes = 0
  let rows = 0
  let tables = 0
  for (const db of objects?.databases ?? []) {
    for (const t of db.tables) {
      if (
        draft.objectsMode === 'all' ||
        draft.selected.includes(db.name) ||
        draft.selected.includes(`${db.name}.${t.name}`)
      ) {
        bytes += t.dataBytes + t.indexBytes
        dataBytes += t.dataBytes
        rows += t.rowsEstimate
        tables++
      }
    }
  }
  return { bytes, dataBytes, rows, tables }
}
