import { useEffect, useState } from 'react'
import type { AlertSettings } from '../../../shared/domain/settings'
import { alertSettingsSchema, defaultSettings, minutesText, secondsText } from '../../../shared/domain/settings'
import { useStore } from '../stores/store'
import { Dialog } from './Dialog'
import { ProblemBox } from './ProblemBox'
import { TextField } from './TextField'

type Field = keyof AlertSettings

const fields: { key: Field; label: string; unit: string; words: (n: number) => string; why: string }[] = [
  {
    key: 'stoppedMinutes',
    label: 'Alert when a job is paused, failed or interrupted for more than (minutes)',
    unit: 'min',
    words: minutesText,
    why: 'as TiDB DM alerts',
  },
  {
    key: 'lagSeconds',
    label: 'Alert when the lag is above (seconds)',
    unit: 's',
    words: secondsText,
    why: 'beyond the few seconds a healthy job lags',
  },
  {
    key: 'lagRisingMinutes',
    label: '… and keeps rising for (minutes)',
    unit: 'min',
    words: minutesText,
    why: 'so a burst of writes does not alert',
  },
]

const asText = (s: AlertSettings): Record<Field, string> => ({
  stoppedMinutes: String(s.stoppedMinutes),
  lagSeconds: String(s.lagSeconds),
  lagRisingMinutes: String(s.lagRisingMinutes),
})

/** The alert thresholds, stored by the engine (`settings:set`, validated there as here); defaults beside each. */
export function SettingsDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const settings = useStore((s) => s.settings)
  const problem = useStore((s) => s.settingsError)
  const loadSettings = useStore((s) => s.loadSettings)
  const saveSettings = useStore((s) => s.saveSettings)
  const [values, setValues] = useState<Record<Field, string>>(asText(defaultSettings.alerts))
  const [saving, setSaving] = useState(false)

  useEffect(() => {
    if (open) void loadSettings()
  }, [open, loadSettings])
  useEffect(() => {
    if (open && settings) setValues(asText(settings.alerts))
  }, [open, settings])

  const parsed = alertSettingsSchema.safeParse(
    Object.fromEntries(fields.map(({ key }) => [key, values[key].trim() === '' ? NaN : Number(values[key])])),
  )
  const errorOf = (key: Field): string | null => {
    if (parsed.success) return null
    const issue = parsed.error.issues.find((i) => i.path[0] === key)
    if (!issue) return null
    const bounds = alertSettingsSchema.shape[key]
    return `A whole number from ${bounds.minValue ?? 1} to ${(bounds.maxValue ?? 0).toLocaleString()}.`
  }

  const submit = async () => {
    if (!parsed.success) return
    setSaving(true)
    const saved = await saveSettings({ alerts: parsed.data })
    setSaving(false)
    if (saved) onClose()
  }

  return (
    <Dialog
      title="Settings"
      open={open}
      onClose={onClose}
      footer={
        <>
          <button type="button" className="button ghost" onClick={() => setValues(asText(defaultSettings.alerts))}>
            Restore defaults
          </button>
          <button type="button" className="button ghost" onClick={onClose}>
            Cancel
          </button>
          <button
            type="button"
            className="button primary"
            disabled={saving || !parsed.success}
            onClick={() => void submit()}
          >
            {saving ? 'Saving…' : 'Save'}
          </button>
        </>
      }
    >
      <form
        className="settings-form"
        aria-label="Alert thresholds"
        onSubmit={(e) => {
          e.preventDefault()
          void submit()
        }}
      >
        <p className="muted">
          Alerts show as a banner on the jobs list and the job&apos;s page, and as a desktop notification in the app.
        </p>
        {fields.map(({ key, label, words, why }) => {
          const value = Number(values[key])
          const fallback = defaultSettings.alerts[key]
          return (
            <TextField
              key={key}
              id={`settings-${key}`}
              label={label}
              type="number"
              inputMode="numeric"
              min={alertSettingsSchema.shape[key].minValue ?? 1}
              max={alertSettingsSchema.shape[key].maxValue ?? undefined}
              value={values[key]}
              onValue={(v) => setValues((old) => ({ ...old, [key]: v }))}
              error={errorOf(key)}
              hint={
                <>
                  {Number.isInteger(value) && value > 0 ? `${words(value)}. ` : ''}Default {fallback} ({words(fallback)}
                  ), {why}.
                </>
              }
            />
          )
        })}
        <button type="submit" hidden />
      </form>
      {problem && <ProblemBox problem={problem} title="The settings were not saved" />}
    </Dialog>
  )
}
