/** The source's databases and tables as the object picker shows them. Pure: no node imports. */

/** Schemas every MySQL-family server keeps for itself: never offered, never selectable, never migrated. */
export const systemSchemaNames = ['mysql', 'information_schema', 'performance_schema', 'sys'] as const

export function isSystemSchema(schema: string): boolean {
  return (systemSchemaNames as readonly string[]).includes(schema.toLowerCase())
}

export interface DiscoveredTable {
  name: string
  /** InnoDB's estimate from information_schema: good for sizing, never for counting. */
  rowsEstimate: number
  dataBytes: number
  indexBytes: number
  engine: string | null
  hasPrimaryKey: boolean
  /** A UNIQUE key whose columns are all NOT NULL: it identifies rows as well as a primary key does. */
  hasNotNullUnique: boolean
}

export interface DiscoveredDatabase {
  name: string
  tables: DiscoveredTable[]
}

export interface DiscoveredObjects {
  databases: DiscoveredDatabase[]
}

export interface SelectedTable {
  schema: string
  table: string
}
