import { describe, expect, it } from 'vitest'
import { workaroundFor } from './errors'
import { fixActionText, precheckFixText } from './fixWording'
import type { FixAction } from './precheck'

describe('fix wording per surface', () => {
  const logical: FixAction = {
    kind: 'setting',
    setting: 'mode',
    value: 'logical',
    join: 'or',
    note: 'it replaces target rows that have the same key',
  }

  it('names the job file on the CLI and the wizard step in the app', () => {
    const truncate = 'TRUNCATE TABLE `shop`.`orders`;  -- on the target'
    expect(precheckFixText({ fix: truncate, actions: [logical] }, 'cli')).toBe(
      `${truncate}\nor set mode: logical in the job file (it replaces target rows that have the same key).`,
    )
    expect(precheckFixText({ fix: truncate, actions: [logical] }, 'app')).toBe(
      `${truncate}\nor choose Logical mode in step 2, Job type (it replaces target rows that have the same key).`,
    )
  })

  it('words every setting and the schema rewrites without the other surface’s terms', () => {
    const actions: FixAction[] = [
      { kind: 'setting', setting: 'start', join: 'then' },
      { kind: 'setting', setting: 'type', value: 'both', join: 'or', note: 'to copy the existing data first' },
      { kind: 'setting', setting: 'objects', join: 'or' },
      { kind: 'rewrites' },
    ]
    const cli = actions.map((a) => fixActionText(a, 'cli'))
    const app = actions.map((a) => fixActionText(a, 'app'))
    expect(cli).toEqual([
      'put it under start: in the job file',
      'use type: both in the job file (to copy the existing data first)',
      'correct objects: in the job file',
      '`cutover schema-preview` shows every rewrite before the job runs',
    ])
    expect(app).toEqual([
      'enter it as the start point in step 2, Job type',
      'choose “Existing data and incremental” in step 2, Job type (to copy the existing data first)',
      'correct the selected objects in step 3, Objects',
      "the job's log lists every rewrite when the tables are created",
    ])
    for (const text of app) expect(text).not.toMatch(/job file|cutover |CLI|yaml/i)
    expect(precheckFixText({ fix: 'Take a position.', actions: actions.slice(0, 2) }, 'cli')).toBe(
      'Take a position.\nthen put it under start: in the job file.\nor use type: both in the job file (to copy the existing data first).',
    )
    // A fix that is only a setting starts with it.
    expect(precheckFixText({ fix: '', actions: [logical] }, 'app')).toMatch(/^Choose Logical mode in step 2/)
  })

  it("picks an error's own wording for the surface, else the shared one", () => {
    const error = { workaround: 'Give the password.', surfaces: { cli: 'Set CUTOVER_SOURCE_PASSWORD.' } }
    expect(workaroundFor(error, 'cli')).toBe('Set CUTOVER_SOURCE_PASSWORD.')
    expect(workaroundFor(error, 'app')).toBe('Give the password.')
    expect(workaroundFor({ workaround: 'Retry.' }, 'cli')).toBe('Retry.')
  })
})
