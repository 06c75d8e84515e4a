import { CutoverError } from '../../../../shared/domain/errors'
import { collationChange, targetCollation } from '../../schema/collationMapping'
import { failed, listSome, pass, plural, warning, type PrecheckCheck } from '../check'
import { collationCharset } from '../precheckFacts'

/** Every charset and collation the selected objects use, checked against the target's own SHOW COLLATION. */
export const charsetCollationCheck: PrecheckCheck = {
  id: 'charset_collation',
  title: 'Target has every character set and collation used',
  appliesTo: () => true,
  async run(facts) {
    const uses = new Map<string, { charset: string; collation: string; where: string[] }>()
    const note = (charset: string | null, collation: string | null, where: string) => {
      if (!collation) return
      const cs = (charset ?? collationCharset(collation)).toLowerCase()
      const key = `${cs}/${collation.toLowerCase()}`
      const entry = uses.get(key) ?? { charset: cs, collation: collation.toLowerCase(), where: [] }
      entry.where.push(where)
      uses.set(key, entry)
    }
    for (const s of facts.schemas) note(s.charset, s.collation, `database ${s.name}`)
    for (const t of facts.tables) {
      if (t.kind === 'table') note(t.charset, t.collation, `${t.schema}.${t.name}`)
      for (const c of t.columns) note(c.charset, c.collation, `${t.schema}.${t.name}.${c.name}`)
    }
    const unknown = [...uses.values()].filter(
      (u) => !facts.targetCharsets.has(u.charset) || facts.targetCollations.get(u.collation) === undefined,
    )
    if (unknown.length === 0) {
      const all = [...new Set([...uses.values()].map((u) => u.collation))]
      return pass(`The target has all ${plural(all.length, 'collation')} in use (${listSome(all)}).`)
    }
    // Exactly what the schema stage will do: the same mapping, over the same catalog.
    const outcomes = unknown.map((use) => {
      try {
        return { use, to: targetCollation(use.collation, facts.targetCatalog, use.where[0]!), error: null }
      } catch (error) {
        return { use, to: null, error: error instanceof CutoverError ? error : null }
      }
    })
    const impossible = outcomes.filter((o) => o.to === null)
    const describe = (o: (typeof outcomes)[number]) =>
      `The target has no ${facts.targetCharsets.has(o.use.charset) ? `collation ${o.use.collation}` : `character set ${o.use.charset}`} (used by ${plural(o.use.where.length, 'object')}: ${listSome(o.use.where, 5)}).`
    if (impossible.length > 0) {
      return failed(impossible.map(describe).join(' '), impossible.map((o) => o.error?.workaround ?? '').join('\n'))
    }
    return warning(
      `${outcomes.map(describe).join(' ')} The schema stage rewrites ${outcomes.length === 1 ? 'it' : 'them'} to the nearest collation the target has; comparisons and sorting of some characters may differ.`,
      outcomes.map((o) => `${o.use.collation} → ${o.to}: ${collationChange(o.use.collation, o.to!)}.`).join('\n') +
        '\nApplied automatically when the tables are created. To keep the exact collation, pre-create the tables on the target or use a target that has it (TiDB 7.4+ has utf8mb4_0900_ai_ci).',
      [{ kind: 'rewrites' }],
    )
  },
}
