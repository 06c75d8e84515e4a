/**
 * A copy's time left, steady enough to read: chunks commit in bursts (nothing for seconds, then a whole batch), so
 * remaining / (rows of the last tick) swings from minutes to seconds and back. The rate is an exponentially
 * weighted mean over `tauSeconds`, and the ETA shown counts down with the clock and moves from that countdown by at
 * most `driftPerSecond` of itself per second towards remaining / rate.
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
  // The mean starts at 0 and is divided by the weight its samples have so far (1 - e^(-elapsed/tau)), so the first
  // seconds are neither pulled towards 0 nor taken from one sample alone.
  let mean = 0
  let weight = 0
  let rate = 0
  let eta: number | null = null
  return {
    update(now, done, total) {
      if (start === null || last === null) {
        start = now
        last = { t: now, done }
        return null
      }
      const dt = now - last.t
      if (dt <= 0) return eta
      // A count that dropped (chunks redone) restarts the mean's input, not the mean.
      const delta = Math.max(0, done - last.done)
      const alpha = 1 - Math.exp(-dt / tau)
      mean += alpha * (delta / dt - mean)
      weight += alpha * (1 - weight)
      rate = mean / weight
      last = { t: now, done }
      if (total === null) return (eta = null)
      const remaining = Math.max(0, total - done)
      if (remaining === 0) return (eta = 0)
      if (now - start < warmup || rate <= 0) return eta === null ? null : (eta = Math.max(0, eta - dt))
      const target = remaining / rate
      if (eta === null) return (eta = target)
      const countdown = Math.max(0, eta - dt)
      const step = Math.max(1, eta) * drift * dt
      eta = Math.min(countdown + step, Math.max(countdown - step, target))
      return eta
    },
    rate: () => rate,
  }
}
