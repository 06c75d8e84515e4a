import { describe, expect, it } from 'vitest'
import { appSettingsSchema, defaultSettings, minutesText, secondsText, settingsWithDefaults } from './settings'

describe('app settings', () => {
  it('accepts the defaults and refuses thresholds that are not whole, positive and bounded', () => {
    expect(appSettingsSchema.parse(defaultSettings)).toEqual(defaultSettings)
    const alerts = defaultSettings.alerts
    for (const bad of [
      { ...alerts, stoppedMinutes: 0 },
      { ...alerts, lagSeconds: -5 },
      { ...alerts, lagRisingMinutes: 1.5 },
      { ...alerts, stoppedMinutes: 10_081 },
      { ...alerts, extra: 1 },
    ]) {
      expect(appSettingsSchema.safeParse({ alerts: bad }).success, JSON.stringify(bad)).toBe(false)
    }
  })

  it('fills a key never saved, and replaces one saved in a shape no longer valid, with the default', () => {
    expect(settingsWithDefaults({})).toEqual(defaultSettings)
    expect(settingsWithDefaults({ alerts: { lagSeconds: 90 } }).alerts).toEqual({
      ...defaultSettings.alerts,
      lagSeconds: 90,
    })
    expect(settingsWithDefaults({ alerts: { lagSeconds: 'x' } })).toEqual(defaultSettings)
  })

  it('words thresholds as the form and the alerts say them', () => {
    expect([minutesText(360), minutesText(10), minutesText(90)]).toEqual(['6 h', '10 min', '1 h 30 min'])
    expect([secondsText(60), secondsText(45), secondsText(125)]).toEqual(['1 min', '45 s', '2 min 5 s'])
  })
})
