import { useState } from 'react'
import { workaroundFor } from '../../../../shared/domain/errors'
import type { JobMode, JobType } from '../../../../shared/domain/job'
import { TextField } from '../../components/TextField'
import { useStore } from '../../stores/store'
import { useShallow } from 'zustand/react/shallow'

const types: { value: JobType; title: string; text: string }[] = [
  {
    value: 'both',
    title: 'Existing data and incremental',
    text: 'Copy a consistent snapshot, then replay the binlog until the target has caught up. The way to cut over with minutes of downtime.',
  },
  {
    value: 'existing',
    title: 'Existing data only',
    text: 'Copy a consistent snapshot of the selected objects once, then stop.',
  },
  {
    value: 'incremental',
    title: 'Incremental only',
    text: 'Replay changes from a binlog position you choose; the target must already hold the data up to that point.',
  },
]

const modes: { value: JobMode; title: string; text: string }[] = [
  {
    value: 'logical',
    title: 'Logical',
    text: 'Exports rows as SQL and executes them on the target. Target tables may be empty or not (duplicate keys are replaced). Recommended below 1 TiB.',
  },
  {
    value: 'physical',
    title: 'Physical',
    text: 'Loads existing data as fast as possible into empty target tables. Faster for large data sets, heavier on the source. Do not run another job or import into the same target, or enable PITR or changefeeds, until the existing data is loaded.',
  },
]

export function TypeStep() {
  const { type, mode, startKind, startFile, startPosition, startGtid } = useStore(
    useShallow((s) => ({
      type: s.draft.type,
      mode: s.draft.mode,
      startKind: s.draft.startKind,
      startFile: s.draft.startFile,
      startPosition: s.draft.startPosition,
      startGtid: s.draft.startGtid,
    })),
  )
  const editDraft = useStore((s) => s.editDraft)
  const setStep = useStore((s) => s.setStep)
  const binlogProblem = useStore((s) => {
    const result = s.tests.source?.result
    return result && !result.ok && result.hops.some((h) => h.hop === 'binlog' && !h.ok) ? result.error : null
  })
  const [tried, setTried] = useState(false)
  const startError =
    type !== 'incremental'
      ? null
      : startKind === 'position' &&
          (startFile.trim() === '' || !/^\d+$/.test(startPosition) || Number(startPosition) < 4)
        ? 'Enter the binlog file and a position of 4 or more.'
        : startKind === 'gtid' && startGtid.trim() === ''
          ? 'Enter the GTID set to start after.'
          : null

  return (
    <form
      className="step-body"
      onSubmit={(e) => {
        e.preventDefault()
        setTried(true)
        if (!startError) setStep(3)
      }}
    >
      <fieldset className="card choice-set">
        <legend className="card-legend">Migration type</legend>
        <div className="choices">
          {types.map((t) => (
            <label key={t.value} className={`choice ${type === t.value ? 'choice-selected' : ''}`}>
              <input
                type="radio"
                name="job-type"
                value={t.value}
                checked={type === t.value}
                onChange={() => editDraft({ type: t.value })}
              />
              <span className="choice-title">{t.title}</span>
              <span className="choice-text">{t.text}</span>
            </label>
          ))}
        </div>
      </fieldset>

      {binlogProblem && type !== 'existing' && (
        <div className="callout callout-warn" role="note" id="binlog-type-note">
          This type replicates changes from the source&apos;s binlog, which the connection test in step 1 could not read
          ({binlogProblem.code}). The precheck fails on it until it is fixed: {workaroundFor(binlogProblem, 'app')} An
          existing-data job does not need it.
        </div>
      )}

      {/* An incremental-only job copies no existing data: there is no mode to choose. */}
      {type !== 'incremental' && (
        <fieldset className="card choice-set">
          <legend className="card-legend">Mode for existing data</legend>
          <div className="choices choices-2">
            {modes.map((m) => (
              <label key={m.value} className={`choice ${mode === m.value ? 'choice-selected' : ''}`}>
                <input
                  type="radio"
                  name="job-mode"
                  value={m.value}
                  checked={mode === m.value}
                  onChange={() => editDraft({ mode: m.value })}
                />
                <span className="choice-title">{m.title}</span>
                <span className="choice-text">{m.text}</span>
              </label>
            ))}
          </div>
        </fieldset>
      )}

      {type === 'incremental' && (
        <fieldset className="card choice-set">
          <legend className="card-legend">Start point</legend>
          <div className="radio-row">
            {(
              [
                ['now', 'Now (the current binlog position)'],
                ['position', 'Binlog file and position'],
                ['gtid', 'GTID set'],
              ] as const
            ).map(([value, label]) => (
              <div key={value} className="check-row">
                <input
                  id={`start-kind-${value}`}
                  type="radio"
                  name="start-kind"
                  checked={startKind === value}
                  onChange={() => editDraft({ startKind: value })}
                />
                <label htmlFor={`start-kind-${value}`}>{label}</label>
              </div>
            ))}
          </div>
          {startKind === 'position' && (
            <div className="grid grid-host">
              <TextField
                id="start-file"
                label="Binlog file"
                value={startFile}
                onValue={(v) => editDraft({ startFile: v })}
                placeholder="mysql-bin.000123"
                spellCheck={false}
              />
              <TextField
                id="start-position"
                label="Position"
                value={startPosition}
                onValue={(v) => editDraft({ startPosition: v })}
                inputMode="numeric"
                placeholder="4"
              />
            </div>
          )}
          {startKind === 'gtid' && (
            <TextField
              id="start-gtid"
              label="GTID set"
              value={startGtid}
              onValue={(v) => editDraft({ startGtid: v })}
              placeholder="3E11FA47-71CA-11E1-9E33-C80AA9429562:1-5 or 0-1-100"
              spellCheck={false}
            />
          )}
          {tried && startError && (
            <p className="field-error" role="alert">
              {startError}
            </p>
          )}
        </fieldset>
      )}

      <div className="step-footer">
        <button type="button" className="button ghost" onClick={() => setStep(1)}>
          Back
        </button>
        <button type="submit" className="button primary">
          Next
        </button>
      </div>
    </form>
  )
}
