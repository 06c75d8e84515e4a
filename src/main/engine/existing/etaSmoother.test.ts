import { describe, expect, it } from 'vitest'
import { createEtaSmoother } from './etaSmoother'

/** Samples every 0.25 s of a copy at `perSecond` whose rows commit in bursts of `burst` (as chunk commits do). */
function bursty(total: number, perSecond: number, burst: number, seconds: number) {
  const samples: { t: number; done: number }[] = []
  for (let t = 0; t <= seconds; t += 0.25) {
    const done = Math.min(total, Math.floor((t * perSecond) / burst) * burst)
    samples.push({ t, done })
  }
  return samples
}

describe('createEtaSmoother', () => {
  // 200,000 rows at 1,000 rows/s, committed 8,000 at a time: per-tick estimates read 11 s, then 184 s, then 47,104 s.
  const total = 200_000
  const samples = bursty(total, 1000, 8000, 120)

  it('the per-tick estimate of a bursty copy jumps like 2:46 → 0:14 → 4:47 (what the smoother must not do)', () => {
    // remaining / rate of the last second: minutes, then seconds when a burst lands, then nothing.
    const naive: (number | null)[] = []
    for (let i = 4; i < samples.length; i += 4) {
      const rate = samples[i]!.done - samples[i - 4]!.done
      naive.push(rate > 0 ? (total - samples[i]!.done) / rate : null)
    }
    const known = naive.filter((x): x is number => x !== null)
    expect(Math.min(...known)).toBeLessThan(30)
    expect(naive.filter((x) => x === null).length).toBeGreaterThan(10)
  })

  it('counts down steadily through the bursts, close to the true time left', () => {
    const eta = createEtaSmoother()
    const shown: { t: number; eta: number | null }[] = samples.map((s) => ({
      t: s.t,
      eta: eta.update(s.t, s.done, total),
    }))
    const steady = shown.filter((s) => s.t >= 10)
    for (const s of steady) {
      const truth = total / 1000 - s.t
      expect(s.eta, `at ${s.t} s`).not.toBeNull()
      expect(Math.abs(s.eta! - truth), `at ${s.t} s: shown ${s.eta}, left ${truth}`).toBeLessThan(0.1 * truth + 5)
    }
    // Second to second, the shown time moves by its countdown give or take 5 % of itself (compounded per tick).
    for (let i = 4; i < steady.length; i += 4) {
      const before = steady[i - 4]!.eta!
      const after = steady[i]!.eta!
      expect(Math.abs(after - (before - 1)), `at ${steady[i]!.t} s`).toBeLessThanOrEqual(
        0.052 * Math.max(1, before, after),
      )
    }
  })

  it('takes in a real change of pace within a minute or so', () => {
    const eta = createEtaSmoother()
    let t = 0
    let done = 0
    let last: number | null = null
    for (; t < 30; t += 0.25) last = eta.update(t, (done += 250), 1_000_000)
    expect(last!).toBeGreaterThan(900)
    // The copy gets four times faster (another worker, a lifted cap).
    for (; t < 120; t += 0.25) last = eta.update(t, (done += 1000), 1_000_000)
    const truth = (1_000_000 - done) / 4000
    expect(Math.abs(last! - truth)).toBeLessThan(0.25 * truth)
  })

  it('does not count down to 0 through a copy that stopped moving', () => {
    const eta = createEtaSmoother()
    let t = 0
    let done = 0
    let last: number | null = null
    for (; t < 20; t += 0.25) last = eta.update(t, (done += 250), 100_000)
    const steady = last!
    // Nothing more for two minutes (a lock wait, a throttled source).
    for (; t < 140; t += 0.25) last = eta.update(t, done, 100_000)
    expect(last!).toBeGreaterThan(steady)
  })

  it('is null without a total or before its warm-up, and 0 once all is copied', () => {
    const eta = createEtaSmoother()
    expect(eta.update(0, 0, 100)).toBeNull()
    expect(eta.update(1, 10, 100)).toBeNull()
    expect(eta.update(2, 20, null)).toBeNull()
    expect(eta.update(3, 100, 100)).toBe(0)
  })
})
