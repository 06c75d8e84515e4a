/**
 * App settings kept in the job store (one row per key): today the alert thresholds. Parsed with zod on every
 * `settings:set` and on every read, so a hand-edited store row cannot put a negative threshold in force.
 */
import { z } from 'zod'

export const alertSettingsSchema = z
  .object({
    /** A job paused, failed or interrupted for longer than this raises an alert (TiDB DM's alert waits 6 h). */
    stoppedMinutes: z.number().int().min(1).max(10_080),
    /**
     * Lag above this many seconds that keeps rising raises an alert. 60 s: a replicating job applies each binlog
     * transaction within a few seconds, and reconnects (retry waits of up to 30 s) or a large transaction lift it
     * for a while; a minute is beyond that jitter and still far from what a binlog retention of days puts at risk.
     */
    lagSeconds: z.number().int().min(1).max(86_400),
    /** How long the lag must keep rising above `lagSeconds` before the alert is raised. */
    lagRisingMinutes: z.number().int().min(1).max(1_440),
  })
  .strict()
export type AlertSettings = z.infer<typeof alertSettingsSchema>

export const appSettingsSchema = z.object({ alerts: alertSettingsSchema }).strict()
export type AppSettings = z.infer<typeof appSettingsSchema>

export const defaultSettings: AppSettings = {
  alerts: { stoppedMinutes: 6 * 60, lagSeconds: 60, lagRisingMinutes: 10 },
}

/** Stored settings over the defaults: a key the store lacks (an older version wrote it) takes its default. */
export function settingsWithDefaults(stored: Partial<Record<keyof AppSettings, unknown>>): AppSettings {
  const alerts = alertSettingsSchema.safeParse({ ...defaultSettings.alerts, ...(stored.alerts as object | undefined) })
  return { alerts: alerts.success ? alerts.data : defaultSettings.alerts }
}

/** "10 min", "6 h", "1 h 30 min": a threshold in minutes as the settings form and alert messages say it. */
export function minutesText(minutes: number): string {
  const h = Math.floor(minutes / 60)
  const m = minutes % 60
  if (h === 0) return `${m} min`
  return m === 0 ? `${h} h` : `${h} h ${m} min`
}

/** "45 s", "2 min 5 s": a lag in seconds. */
export function secondsText(seconds: number): string {
  const s = Math.round(seconds)
  if (s < 60) return `${s} s`
  return s % 60 === 0 ? minutesText(s / 60) : `${minutesText(Math.floor(s / 60))} ${s % 60} s`
}
