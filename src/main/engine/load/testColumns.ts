/** A column description for the load tests: nullable, not generated, no charset unless `extra` says otherwise. */
import type { ColumnInfo } from '../vocabulary/columnCatalog'

export const col = (name: string, dataType: string, extra: Partial<ColumnInfo> = {}): ColumnInfo => ({
  name,
  dataType,
  columnType: dataType,
  nullable: true,
  generated: 'no',
  charset: null,
  collation: null,
  ...extra,
})
