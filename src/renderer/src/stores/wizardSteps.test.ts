import { describe, expect, it } from 'vitest'
import { reachedAfterEdit } from './wizardSteps'

describe('wizard steps open after an edit', () => {
  it('keeps every reached step when nothing before it changed', () => {
    expect(reachedAfterEdit(5, {})).toBe(5)
    expect(reachedAfterEdit(5, { concurrency: 8, exportMBps: 10 })).toBe(5)
  })

  it('closes the steps after the one whose field changed', () => {
    expect(reachedAfterEdit(5, { selected: ['shop'] })).toBe(3)
    expect(reachedAfterEdit(5, { mode: 'logical' })).toBe(2)
    expect(reachedAfterEdit(4, { name: 'x', selected: [] })).toBe(1)
    expect(reachedAfterEdit(2, { selected: ['shop'] })).toBe(2)
  })
})
