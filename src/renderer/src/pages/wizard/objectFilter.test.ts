import { describe, expect, it } from 'vitest'
import type { DiscoveredDatabase } from '../../../../shared/domain/sourceObjects'
import { filterObjects } from './objectFilter'

const table = (name: string) => ({
  name,
  rowsEstimate: 1,
  dataBytes: 1,
  indexBytes: 0,
  engine: 'InnoDB',
  hasPrimaryKey: true,
  hasNotNullUnique: false,
})
const databases: DiscoveredDatabase[] = [
  { name: 'shop', tables: [table('orders'), table('customers')] },
  { name: 'crm', tables: [table('orders_archive'), table('leads')] },
]

const names = (query: string) =>
  filterObjects(databases, query).map(
    (d) => `${d.db.name}${d.dbMatch ? '*' : ''}: ${d.tables.map((t) => t.name).join(',')}`,
  )

describe('object search', () => {
  it('matches a table by db.table, across the dot and in any case', () => {
    expect(names('shop.orders')).toEqual(['shop: orders'])
    expect(names('SHOP.ORD')).toEqual(['shop: orders'])
    expect(names('p.cust')).toEqual(['shop: customers'])
    expect(names('crm.orders')).toEqual(['crm: orders_archive'])
  })

  it('matches a database by name (all its tables) and a table by its own name', () => {
    expect(names('crm')).toEqual(['crm*: orders_archive,leads'])
    expect(names('orders')).toEqual(['shop: orders', 'crm: orders_archive'])
    expect(names('  ')).toEqual(['shop*: orders,customers', 'crm*: orders_archive,leads'])
    expect(names('nothing')).toEqual([])
  })
})
