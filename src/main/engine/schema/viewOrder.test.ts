import { describe, expect, it } from 'vitest'
import { viewDependencyOrder } from './viewOrder'

const view = (name: string, body: string) => ({
  name,
  sql: `CREATE ALGORITHM=UNDEFINED DEFINER=\`root\`@\`localhost\` SQL SECURITY DEFINER VIEW \`${name.split('.').pop()}\` AS ${body}`,
})

describe('viewDependencyOrder', () => {
  it('creates a view after the views it reads (MariaDB-style bare names)', () => {
    const views = [
      view('v3', 'select `v2`.`id` AS `id` from `v2`'),
      view('v2', 'select `v1`.`id` AS `id` from (`v1` join `o` on(`o`.`id` = `v1`.`id`))'),
      view('v1', 'select `o`.`id` AS `id` from `o`'),
    ]
    expect(viewDependencyOrder(views)).toEqual(['v1', 'v2', 'v3'])
  })

  it('follows schema-qualified references (MySQL style) and keeps input order where free', () => {
    const views = [
      view('shop.report', 'select `x`.`n` AS `n` from `shop`.`totals` `x` join `other`.`rates` `r`'),
      view('shop.free', 'select 1 AS `1`'),
      view('other.rates', 'select 1 AS `rate`'),
      view('shop.totals', 'select count(0) AS `n` from `shop`.`orders`'),
    ]
    expect(viewDependencyOrder(views)).toEqual(['shop.free', 'other.rates', 'shop.totals', 'shop.report'])
  })

  it('ignores aliases, strings, comments and columns that share a view name', () => {
    const views = [
      view('a', "select `t`.`b` AS `b`, 'from `b`' AS `s` /* `b` */ from `t`"),
      view('b', 'select `a`.`x` AS `x` from `a`'),
    ]
    expect(viewDependencyOrder(views)).toEqual(['a', 'b'])
  })

  it('reports a cycle with a typed error', () => {
    const views = [view('a', 'select * from `b`'), view('b', 'select * from `a`'), view('c', 'select 1')]
    expect(() => viewDependencyOrder(views)).toThrow(
      expect.objectContaining({ code: 'SCHEMA_VIEW_CYCLE', message: expect.stringContaining('a, b') }),
    )
  })
})
