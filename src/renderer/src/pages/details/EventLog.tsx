import { useState } from 'react'
import type { LogLevel } from '../../../../shared/domain/events'
import { logLevels } from '../../../../shared/domain/events'
import { CopyButton } from '../../components/CopyButton'
import { useStore } from '../../stores/store'

const levelLabels: Record<LogLevel, string> = { debug: 'Debug and above', info: 'Info and above', warning: 'Warnings and errors', error: 'Errors only' }
const pageSize = 200

/** The engine writes an error's fix into its message as "… Fix: …"; shown apart so it can be read and copied. */
function splitFix(message: string): { text: string; fix: string | null } {
  const at = message.indexOf(' Fix: ')
  return at < 0 ? { text: message, fix: null } : { text: message.slice(0, at), fix: message.slice(at + 6) }
}

export function EventLog() {
  const log = useStore((s) => s.log)
  const level = useStore((s) => s.logLevel)
  const setLogLevel = useStore((s) => s.setLogLevel)
  const [limit, setLimit] = useState(pageSize)
  // Newest first: the details page is read for what just happened.
  const entries = log.slice(-limit).reverse()

  return (
    <section className="card" aria-labelledby="log-title">
      <div className="card-head">
        <h3 id="log-title">Event log</h3>
        <div className="field inline">
          <label htmlFor="log-level">Show</label>
          <select id="log-level" value={level} onChange={(e) => void setLogLevel(e.target.value as LogLevel)}>
            {logLevels.map((l) => (
              <option key={l} value={l}>
                {levelLabels[l]}
              </option>
            ))}
          </select>
        </div>
      </div>
      {entries.length === 0 ? (
        <p className="muted">No events at this level.</p>
      ) : (
        <ol className="log" aria-label="Job events">
          {entries.map((e) => {
            const { text, fix } = splitFix(e.message)
            return (
              <li key={e.id} className={`log-entry log-${e.level}`}>
                <time className="log-time" dateTime={e.time}>
                  {new Date(e.time).toLocaleTimeString()}
                </time>
                <span className={`log-level level-${e.level}`}>{e.level}</span>
                <div className="log-body">
                  <span className="log-message">{text}</span>
                  {e.code && <code className="log-code">{e.code}</code>}
                  {fix && (
                    <div className="log-fix">
                      <span className="fix-label">Fix</span> {fix} <CopyButton text={fix} label="Copy the fix" />
                    </div>
                  )}
                </div>
              </li>
            )
          })}
        </ol>
      )}
      {log.length > limit && (
        <button type="button" className="button ghost small" onClick={() => setLimit((n) => n + pageSize)}>
          Show older events
        </button>
      )}
    </section>
  )
}
