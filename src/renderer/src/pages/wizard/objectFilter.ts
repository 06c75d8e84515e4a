/** The object picker's search: a database by its name, a table by its name or its `db.table` (so `shop.ord` finds it). */
import type { DiscoveredDatabase, DiscoveredTable } from '../../../../shared/domain/sourceObjects'

export interface FilteredDatabase {
  db: DiscoveredDatabase
  /** Whether the database's own name matched (then all its tables are shown when it is expanded). */
  dbMatch: boolean
  /** The tables that matched, or all of them when the database did. */
  tables: DiscoveredTable[]
}

export function filterObjects(databases: readonly DiscoveredDatabase[], query: string): FilteredDatabase[] {
  const q = query.trim().toLowerCase()
  const out: FilteredDatabase[] = []
  for (const db of databases) {
    const dbMatch = q === '' || db.name.toLowerCase().includes(q)
    const tables = dbMatch ? db.tables : db.tables.filter((t) => `${db.name}.${t.name}`.toLowerCase().includes(q))
    if (dbMatch || tables.length > 0) out.push({ db, dbMatch, tables })
  }
  return out
}
