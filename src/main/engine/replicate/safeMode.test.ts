import { describe, expect, it } from 'vitest'
import { createSafeMode } from './safeMode'

const at = (position: number) => ({ file: 'bin.000003', position })

describe('safe mode', () => {
  it('is on for the given time after an abrupt stop, then off', () => {
    const safe = createSafeMode()
    safe.enableFor(60_000, 'stopped abruptly', 1_000)
    expect(safe.appliesTo(at(10), 30_000)).toBe(true)
    expect(safe.appliesTo(at(20), 61_001)).toBe(false)
  })
  it('keeps a large transaction begun in safe mode in it until its end, past the time limit', () => {
    const safe = createSafeMode()
    safe.enableFor(60_000, 'stopped abruptly', 0)
    expect(safe.appliesTo(null, 59_000)).toBe(true)
    expect(safe.appliesTo(null, 61_000)).toBe(true)
    expect(safe.appliesTo(at(500), 62_000)).toBe(true)
    expect(safe.appliesTo(at(600), 63_000)).toBe(false)
  })
  it('is on until a position is passed, for the parts of a transaction whose end is not read yet too', () => {
    const safe = createSafeMode()
    safe.enableUntil(at(100), 'stopped inside a large transaction')
    expect(safe.appliesTo(at(100))).toBe(true)
    expect(safe.appliesTo(null)).toBe(true)
    expect(safe.appliesTo(at(900))).toBe(true)
    expect(safe.appliesTo(at(1000))).toBe(false)
    expect(safe.reason()).toBeNull()
  })
})
