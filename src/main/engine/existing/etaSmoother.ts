/**
 * A copy's time left, steady enough to read: chunks commit in bursts (nothing for seconds, then a whole batch), so
 * remaining / (rows of the last tick) swings from seconds to hours and back. The rate is an exponentially weighted
 * mean over `tauSeconds` of each step of progress over the time since the step before; the ETA shown counts down with
 * the clock and moves from that countdown by at most `driftPerSecond` of itself per second towards remaining / rate.
 */
export interface EtaSmootherOptions {
  /** Time constant of the rate's mean: a change of pace is half taken in after tauSeconds × ln 2. */
  tauSeconds?: number
  /** How far the ETA may move from its countdown per second, as a fraction of itself. */
  driftPerSecond?: number
  /** No ETA before this many seconds of samples: the first rates are noise. */
  warmupSeconds?: number
}

export interface EtaSmoother {
  /**
   * A sample at `nowSeconds` (any monotonic clock) with `done` of `total` units (rows or bytes) copied; returns the
   * ETA in seconds, or null while unknown (no total, no rate yet).
   */
  update(nowSeconds: number, done: number, total: number | null): number | null
  /** The mean rate in units per second. */
  rate(): number
}

export function createEtaSmoother(options: EtaSmootherOptions = {}): EtaSmoother {
  const tau = options.tauSeconds ?? 15
  const drift = options.driftPerSecond ?? 0.05
  const warmup = options.warmupSeconds ?? 3
  let start: number | null = null
  let last: { t: number; done: number } | null = null
  // The rate is measured from one step of progress to the next (a burst over the time since the one before), so
  // the silence between two chunk commits is not read as a stop. The mean starts at 0 and is divided by the weight
  // its samples have so far (1 - e^(-elapsed/tau)): the first seconds are neither pulled towards 0 nor one sample.
  let progressAt = 0
  let mean = 0
  let weight = 0
  // The usual time between two steps of progress; a silence much longer than it does slow the rate down.
  let interval = 0
  let eta: number | null = null
  const rate = (now: number) => {
    if (weight === 0) return 0
    const silence = now - progressAt
    const base = mean / weight
    return interval > 0 && silence > 2 * interval ? (base * 2 * interval) / silence : base
  }
  return {
    update(now, done, total) {
      if (start === null || last === null) {
        start = progressAt = now
        last = { t: now, done }
        return null
      }
      const dt = now - last.t
      if (dt <= 0) return eta
      // A count that dropped (chunks redone) is a new base, not progress.
      const delta = Math.max(0, done - last.done)
      last = { t: now, done }
      if (delta > 0) {
        const span = Math.max(dt, now - progressAt)
        const alpha = 1 - Math.exp(-span / tau)
        mean += alpha * (delta / span - mean)
        weight += alpha * (1 - weight)
        interval = interval === 0 ? span : interval + alpha * (span - interval)
        progressAt = now
      }
      if (total === null) return (eta = null)
      const remaining = Math.max(0, total - done)
      if (remaining === 0) return (eta = 0)
      const r = rate(now)
      if (now - start < warmup || r <= 0) return eta === null ? null : (eta = Math.max(0, eta - dt))
      // Between two steps of progress the copy goes on unseen: the time since the last one (up to the usual interval)
      // is taken off, so the ETA counts down through the silence instead of holding still until the next commit.
      const target = Math.max(0, remaining / r - Math.min(now - progressAt, interval))
      if (eta === null) return (eta = target)
      const countdown = Math.max(0, eta - dt)
      const step = Math.max(1, eta) * drift * dt
      eta = Math.min(countdown + step, Math.max(countdown - step, target))
      return eta
    },
    rate: () => (last ? rate(last.t) : 0),
  }
}
