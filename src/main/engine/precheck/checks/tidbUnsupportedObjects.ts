import { probeFulltext, type FulltextProbe } from '../../connect/tidbFeatures'
import { account, failed, listSome, pass, plural, quoteIdentifier, warning, type PrecheckCheck } from '../check'
import { hasOnTable, parseGrants } from '../grantParser'
import { qualifiedName, type PrecheckFacts } from '../precheckFacts'

const spatialTypes = new Set(['geometry', 'point', 'linestring', 'polygon', 'multipoint', 'multilinestring', 'multipolygon', 'geometrycollection', 'geomcollection'])

/**
 * information_schema.TRIGGERS lists only triggers on tables the user holds TRIGGER on, so without that grant
 * "no triggers" means "none visible": the schemas whose selected tables the source user cannot see triggers of.
 */
export function triggerBlindSchemas(facts: Pick<PrecheckFacts, 'source' | 'tables'>): string[] {
  const grants = parseGrants(facts.source.grants)
  const blind = facts.tables.filter((t) => t.kind === 'table' && !hasOnTable(grants, 'TRIGGER', t.schema, t.name))
  return [...new Set(blind.map((t) => t.schema))]
}

function fulltextSentence(probe: FulltextProbe, indexes: string[]): string {
  const list = listSome(indexes)
  if (probe.fulltext === 'kept') return `FULLTEXT indexes are kept: ${probe.evidence}. Check that MATCH … AGAINST queries return what they did: ${list}.`
  if (probe.fulltext === 'dropped') {
    return `FULLTEXT indexes are dropped: ${probe.evidence}; MATCH … AGAINST queries fail without them: ${list}.`
  }
  return `FULLTEXT indexes are most likely dropped (self-hosted TiDB ignores them with warning 1214; only TiDB Cloud builds them), but the target could not be asked: ${probe.evidence}. Affected: ${list}.`
}

export const tidbUnsupportedObjectsCheck: PrecheckCheck = {
  id: 'tidb_unsupported_objects',
  title: 'No objects TiDB cannot hold',
  appliesTo: (_config, servers) => servers.target.flavor === 'tidb',
  async run(facts, ctx) {
    const spatial: string[] = []
    const fulltext: string[] = []
    const descending: string[] = []
    for (const t of facts.tables) {
      for (const c of t.columns) if (spatialTypes.has(c.dataType)) spatial.push(`${qualifiedName(t)}.${c.name} (${c.dataType})`)
      for (const i of t.indexes) {
        if (i.type === 'SPATIAL') spatial.push(`${qualifiedName(t)} index ${i.name}`)
        if (i.type === 'FULLTEXT') fulltext.push(`${qualifiedName(t)} index ${i.name}`)
        if (i.parts.some((p) => p.descending)) descending.push(`${qualifiedName(t)} index ${i.name}`)
      }
    }
    const byKind = (kind: string) => facts.storedObjects.filter((o) => o.kind === kind).map((o) => `${o.schema}.${o.name}`)
    const triggers = byKind('TRIGGER')
    const routines = [...byKind('PROCEDURE'), ...byKind('FUNCTION')]
    const events = byKind('EVENT')
    const blind = triggerBlindSchemas(facts)
    // The version does not say whether this TiDB builds FULLTEXT indexes; the target does (only when there are any).
    const probe = fulltext.length > 0 ? await probeFulltext(ctx.target, [...new Set(facts.tables.map((t) => t.schema))]) : null

    const warnings: string[] = []
    const notes: string[] = []
    const fixes: string[] = []
    if (probe) (probe.fulltext === 'kept' ? notes : warnings).push(fulltextSentence(probe, fulltext))
    if (probe && probe.fulltext !== 'kept') fixes.push('Rewrite full-text search queries (or keep a search engine beside TiDB).')
    if (triggers.length > 0) warnings.push(`Triggers are not migrated and stop firing after cutover: ${listSome(triggers)}.`)
    if (blind.length > 0) {
      const who = account(facts.source.account.user, facts.source.account.host)
      warnings.push(
        `Triggers could not be read in ${listSome(blind)}: ${who} has no TRIGGER privilege there, and information_schema.TRIGGERS shows only the triggers of tables the user holds TRIGGER on, so any triggers there go unlisted (they are not migrated either way).`,
      )
      fixes.push(...blind.map((s) => `GRANT TRIGGER ON ${quoteIdentifier(s)}.* TO ${who};  -- on the source, to list the triggers`))
    }
    if (routines.length > 0) warnings.push(`Stored procedures and functions are not migrated: ${listSome(routines)}.`)
    if (events.length > 0) warnings.push(`Scheduled events are not migrated: ${listSome(events)}.`)
    if (descending.length > 0) {
      warnings.push(`Descending index parts become ascending: ${listSome(descending)}.`)
      fixes.push('Nothing to do for descending parts: ORDER BY … DESC still works, scanning the index backwards.')
    }
    if (triggers.length > 0 || blind.length > 0 || routines.length > 0 || events.length > 0) {
      fixes.unshift('Move trigger, routine and event logic into the application (or a job scheduler) before cutover.')
    }
    if (spatial.length > 0) {
      const also = [...warnings, ...notes]
      return failed(
        `TiDB has no spatial types or indexes: ${plural(spatial.length, 'object')} (${listSome(spatial)}).${also.length > 0 ? ' Also: ' + also.join(' ') : ''}`,
        'Change the columns to a BLOB holding WKB (ALTER TABLE … MODIFY col LONGBLOB after ST_AsBinary) before migrating.',
        [{ kind: 'setting', setting: 'objects', join: 'or', note: 'leave those tables out' }],
      )
    }
    if (warnings.length > 0) return warning([...warnings, ...notes].join(' '), fixes.join('\n'))
    if (notes.length > 0) return pass(`No spatial, trigger, routine, event or descending-index objects. ${notes.join(' ')}`)
    return pass('No spatial, full-text, trigger, routine, event or descending-index objects.')
  },
}
