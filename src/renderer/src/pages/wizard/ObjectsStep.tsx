import { useEffect, useMemo, useRef, useState } from 'react'
import { useShallow } from 'zustand/react/shallow'
import type { DiscoveredDatabase, DiscoveredTable } from '../../../../shared/domain/sourceObjects'
import { ProblemBox } from '../../components/ProblemBox'
import { VirtualList } from '../../components/VirtualList'
import { useStore } from '../../stores/store'
import { selectedTotals } from '../../stores/wizardSlice'
import { formatBytes, formatCount, plural } from '../../units'
import { filterObjects } from './objectFilter'

type Row = { kind: 'db'; db: DiscoveredDatabase } | { kind: 'table'; db: DiscoveredDatabase; table: DiscoveredTable }

const dbBytes = (db: DiscoveredDatabase) => db.tables.reduce((n, t) => n + t.dataBytes + t.indexBytes, 0)
const dbRows = (db: DiscoveredDatabase) => db.tables.reduce((n, t) => n + t.rowsEstimate, 0)

function Checkbox({
  id,
  checked,
  mixed,
  label,
  onToggle,
}: {
  id: string
  checked: boolean
  mixed: boolean
  label: string
  onToggle: () => void
}) {
  const ref = useRef<HTMLInputElement>(null)
  useEffect(() => {
    if (ref.current) ref.current.indeterminate = mixed
  }, [mixed])
  return (
    <input
      ref={ref}
      id={id}
      type="checkbox"
      checked={checked}
      aria-checked={mixed ? 'mixed' : checked}
      aria-label={label}
      onChange={onToggle}
    />
  )
}

/** The selection after toggling one database or table; a whole database is kept as `db` so later tables come too. */
function toggle(selected: string[], db: DiscoveredDatabase, table: string | null): string[] {
  const tableKeys = db.tables.map((t) => `${db.name}.${t.name}`)
  const without = selected.filter((s) => s !== db.name && !tableKeys.includes(s))
  if (table === null) return selected.includes(db.name) ? without : [...without, db.name]
  const key = `${db.name}.${table}`
  if (selected.includes(db.name)) return [...without, ...tableKeys.filter((k) => k !== key)]
  const next = selected.includes(key) ? selected.filter((s) => s !== key) : [...selected, key]
  // Every table ticked one by one means the whole database.
  return tableKeys.every((k) => next.includes(k)) ? [...without, db.name] : next
}

export function ObjectsStep() {
  const { objectsMode, selected } = useStore(
    useShallow((s) => ({ objectsMode: s.draft.objectsMode, selected: s.draft.selected })),
  )
  const { objects, problem, loading } = useStore(
    useShallow((s) => ({ objects: s.objects, problem: s.objectsProblem, loading: s.objectsLoading })),
  )
  const editDraft = useStore((s) => s.editDraft)
  const loadObjects = useStore((s) => s.loadObjects)
  const setStep = useStore((s) => s.setStep)
  const [query, setQuery] = useState('')
  const [expanded, setExpanded] = useState<Set<string>>(new Set())
  /** Said once a table is unticked out of a whole database, which turns it into a list of its other tables. */
  const [splitNote, setSplitNote] = useState<string | null>(null)

  useEffect(() => {
    if (!useStore.getState().objects) void loadObjects()
  }, [loadObjects])

  const rows = useMemo(() => {
    const out: Row[] = []
    for (const { db, dbMatch, tables } of filterObjects(objects?.databases ?? [], query)) {
      out.push({ kind: 'db', db })
      if (expanded.has(db.name) || !dbMatch) for (const table of tables) out.push({ kind: 'table', db, table })
    }
    return out
  }, [objects, query, expanded])

  const totals = useMemo(() => selectedTotals(objects, { objectsMode, selected }), [objects, objectsMode, selected])

  const canContinue = objectsMode === 'all' || selected.length > 0

  return (
    <form
      className="step-body"
      onSubmit={(e) => {
        e.preventDefault()
        if (canContinue) setStep(4)
      }}
    >
      <fieldset className="card choice-set">
        <legend className="card-legend">Objects to migrate</legend>
        <div className="radio-row">
          <div className="check-row">
            <input
              id="objects-all"
              type="radio"
              name="objects-mode"
              checked={objectsMode === 'all'}
              onChange={() => editDraft({ objectsMode: 'all' })}
            />
            <label htmlFor="objects-all">All databases (system schemas excluded)</label>
          </div>
          <div className="check-row">
            <input
              id="objects-custom"
              type="radio"
              name="objects-mode"
              checked={objectsMode === 'custom'}
              onChange={() => editDraft({ objectsMode: 'custom' })}
            />
            <label htmlFor="objects-custom">Customize</label>
          </div>
        </div>
        <p className="muted summary-line" aria-live="polite">
          {loading
            ? 'Reading the source’s databases and tables…'
            : objects
              ? `${plural(totals.tables, 'table')} · ${formatCount(totals.rows)} rows (estimate) · ${formatBytes(totals.bytes)} selected`
              : ''}
        </p>
        {problem && <ProblemBox problem={problem} />}
      </fieldset>

      {objectsMode === 'custom' && objects && (
        <div className="objects-grid">
          <section className="card" aria-labelledby="source-objects-title">
            <div className="card-head">
              <h3 id="source-objects-title">Source database</h3>
              <span className="muted">{plural(objects.databases.length, 'database')}</span>
            </div>
            <div className="field">
              <label htmlFor="object-search">Search databases and tables</label>
              <input
                id="object-search"
                type="search"
                value={query}
                onChange={(e) => setQuery(e.target.value)}
                placeholder="Filter by name"
                spellCheck={false}
              />
            </div>
            <div className="tree-head" aria-hidden="true">
              <span>Name</span>
              <span>Rows (est.)</span>
              <span>Size</span>
            </div>
            {rows.length === 0 ? (
              <p className="muted tree-empty">No database or table matches “{query}”.</p>
            ) : (
              <VirtualList
                items={rows}
                rowHeight={34}
                height={380}
                label="Source databases and tables"
                className="tree"
                rowKey={(r) => (r.kind === 'db' ? r.db.name : `${r.db.name}.${r.table.name}`)}
                renderRow={(r) => {
                  if (r.kind === 'db') {
                    const some = r.db.tables.some((t) => selected.includes(`${r.db.name}.${t.name}`))
                    const open = expanded.has(r.db.name)
                    return (
                      <div className="tree-row tree-db">
                        <button
                          type="button"
                          className="tree-toggle"
                          aria-expanded={open}
                          aria-label={`${open ? 'Collapse' : 'Expand'} ${r.db.name}`}
                          onClick={() =>
                            setExpanded((prev) => {
                              const next = new Set(prev)
                              if (open) next.delete(r.db.name)
                              else next.add(r.db.name)
                              return next
                            })
                          }
                        >
                          {open ? '▾' : '▸'}
                        </button>
                        <Checkbox
                          id={`obj-${r.db.name}`}
                          label={`Database ${r.db.name}`}
                          checked={selected.includes(r.db.name)}
                          mixed={some && !selected.includes(r.db.name)}
                          onToggle={() => {
                            setSplitNote(null)
                            editDraft({ selected: toggle(selected, r.db, null) })
                          }}
                        />
                        <span className="tree-name">
                          <span className="clip" title={r.db.name}>
                            {r.db.name}
                          </span>
                          <span className="muted">({r.db.tables.length})</span>
                        </span>
                        <span className="tree-num">{formatCount(dbRows(r.db))}</span>
                        <span className="tree-num">{formatBytes(dbBytes(r.db))}</span>
                      </div>
                    )
                  }
                  const key = `${r.db.name}.${r.table.name}`
                  const keyless = !r.table.hasPrimaryKey && !r.table.hasNotNullUnique
                  return (
                    <div className="tree-row tree-table">
                      <Checkbox
                        id={`obj-${key}`}
                        label={`Table ${key}`}
                        checked={selected.includes(r.db.name) || selected.includes(key)}
                        mixed={false}
                        onToggle={() => {
                          if (selected.includes(r.db.name)) {
                            const others = r.db.tables.length - 1
                            setSplitNote(
                              `Unticking ${key} turned the whole database ${r.db.name} into a list of its other ${others === 1 ? 'table' : `${others} tables`}: tables created in ${r.db.name} later are not included. Tick the database again to include them.`,
                            )
                          } else if (!selected.some((e) => e.startsWith(`${r.db.name}.`))) setSplitNote(null)
                          editDraft({ selected: toggle(selected, r.db, r.table.name) })
                        }}
                      />
                      <span className="tree-name">
                        <span className="clip" title={key}>
                          {r.table.name}
                        </span>
                        {keyless && (
                          <span
                            className="tag warn"
                            title="No primary key or NOT NULL unique key: replay after an interruption may duplicate rows"
                          >
                            no key
                          </span>
                        )}
                      </span>
                      <span className="tree-num">{formatCount(r.table.rowsEstimate)}</span>
                      <span className="tree-num">{formatBytes(r.table.dataBytes + r.table.indexBytes)}</span>
                    </div>
                  )
                }}
              />
            )}
          </section>
          <section className="card" aria-labelledby="selected-title">
            <div className="card-head">
              <h3 id="selected-title">Selected objects</h3>
              {selected.length > 0 && (
                <button
                  type="button"
                  className="button ghost small"
                  onClick={() => {
                    setSplitNote(null)
                    editDraft({ selected: [] })
                  }}
                >
                  Clear
                </button>
              )}
            </div>
            {splitNote && selected.length > 0 && (
              <p className="callout callout-warn" role="status" id="objects-split-note">
                {splitNote}
              </p>
            )}
            {selected.length === 0 ? (
              <p className="muted">
                Tick databases or tables on the left. A ticked database includes the tables created in it later.
              </p>
            ) : (
              <ul className="selected-list" aria-label="Selected objects">
                {selected.map((entry) => (
                  <li key={entry}>
                    <span className="mono clip" title={entry}>
                      {entry}
                    </span>
                    <span className="muted">{entry.includes('.') ? 'table' : 'database'}</span>
                    <button
                      type="button"
                      className="icon-button"
                      aria-label={`Remove ${entry}`}
                      onClick={() => editDraft({ selected: selected.filter((s) => s !== entry) })}
                    >
                      ×
                    </button>
                  </li>
                ))}
              </ul>
            )}
          </section>
        </div>
      )}

      <div className="step-footer">
        <button type="button" className="button ghost" onClick={() => setStep(2)}>
          Back
        </button>
        <button type="submit" className="button primary" disabled={!canContinue}>
          Next
        </button>
      </div>
    </form>
  )
}
