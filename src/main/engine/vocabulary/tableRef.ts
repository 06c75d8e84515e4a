/** A table by database and name, and the two ways the engine writes one as a string. */
export interface TableRef {
  schema: string
  name: string
}

/** `schema.name`: how the store, the log and the user name a table. */
export const qualified = (t: TableRef) => `${t.schema}.${t.name}`

/** A map key that no schema or table name can collide in (names may hold dots). */
export const tableKey = (t: TableRef) => `${t.schema}\u0000${t.name}`

/** The databases these tables are in, each once. */
export const schemasOf = (tables: readonly TableRef[]): string[] => [...new Set(tables.map((t) => t.schema))]
