import { describe, expect, it } from 'vitest'
import type { Stage } from '../../shared/domain/errors'
import { pickStages } from './jobRunner'

const names = (type: 'existing' | 'both' | 'incremental', stage: Stage | null) =>
  pickStages(type, { stage, endedAbruptly: false }).map((s) => s.name)

describe('the stages a run goes through', () => {
  it('by job type, from the start', () => {
    expect(names('existing', null)).toEqual(['snapshot', 'schema', 'existing'])
    expect(names('both', null)).toEqual(['snapshot', 'schema', 'existing', 'incremental'])
    expect(names('incremental', null)).toEqual(['incremental'])
  })

  it('a copy stopped before its end takes a new snapshot and goes on; a finished copy goes straight to replication', () => {
    expect(names('existing', 'existing')).toEqual(['snapshot', 'schema', 'existing'])
    expect(names('both', 'schema')).toEqual(['snapshot', 'schema', 'existing', 'incremental'])
    expect(names('both', 'existing')).toEqual(['snapshot', 'schema', 'existing', 'incremental'])
    expect(names('both', 'incremental')).toEqual(['incremental'])
  })

  it('each stage shows the job a stage the store and the UI know', () => {
    expect(pickStages('both', { stage: null, endedAbruptly: false }).map((s) => s.shows)).toEqual([
      'schema',
      'schema',
      'existing',
      'incremental',
    ])
  })
})
