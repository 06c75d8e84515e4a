import { describe, expect, it } from 'vitest'
import { deferSecondaryIndexes } from './deferredIndexes'

const ref = { schema: 'shop', name: 'orders' }

describe('deferSecondaryIndexes', () => {
  it('moves plain keys to one ALTER and keeps primary, unique and fulltext keys', () => {
    const lines = [
      'CREATE TABLE `orders` (',
      '  `id` bigint(20) unsigned NOT NULL,',
      '  `customer_id` int(11) NOT NULL,',
      "  `note` varchar(200) NOT NULL COMMENT 'a, b',",
      '  PRIMARY KEY (`id`),',
      '  UNIQUE KEY `note_u` (`note`),',
      '  KEY `by_customer` (`customer_id`),',
      "  KEY `by_note` (`note`(10),`customer_id`) COMMENT 'x, y',",
      '  FULLTEXT KEY `ft` (`note`)',
      ') ENGINE=InnoDB DEFAULT CHARSET=utf8mb4',
    ]
    const out = deferSecondaryIndexes(lines.join('\n'), ref)
    // The two plain keys leave; everything else stays, in order.
    expect(out.createSql).toBe([...lines.slice(0, 6), ...lines.slice(8)].join('\n'))
    expect(out.alterSql).toBe(
      "ALTER TABLE `shop`.`orders` ADD KEY `by_customer` (`customer_id`), ADD KEY `by_note` (`note`(10),`customer_id`) COMMENT 'x, y'",
    )
  })

  it('removes the comma before a trailing key', () => {
    const out = deferSecondaryIndexes(
      ['CREATE TABLE `t` (', '  `a` int(11) NOT NULL,', '  KEY `a` (`a`)', ') ENGINE=InnoDB'].join('\n'),
      ref,
    )
    expect(out.createSql).toBe(['CREATE TABLE `t` (', '  `a` int(11) NOT NULL', ') ENGINE=InnoDB'].join('\n'))
    expect(out.alterSql).toBe('ALTER TABLE `shop`.`orders` ADD KEY `a` (`a`)')
  })

  it('leaves tables with a foreign key or without plain keys alone', () => {
    const fk = [
      'CREATE TABLE `t` (',
      '  `a` int(11) NOT NULL,',
      '  KEY `a` (`a`),',
      '  CONSTRAINT `f` FOREIGN KEY (`a`) REFERENCES `p` (`id`)',
      ') ENGINE=InnoDB',
    ].join('\n')
    expect(deferSecondaryIndexes(fk, ref)).toEqual({ createSql: fk, alterSql: null })
    const none = ['CREATE TABLE `t` (', '  `a` int(11) NOT NULL,', '  PRIMARY KEY (`a`)', ') ENGINE=InnoDB'].join('\n')
    expect(deferSecondaryIndexes(none, ref)).toEqual({ createSql: none, alterSql: null })
  })
})
