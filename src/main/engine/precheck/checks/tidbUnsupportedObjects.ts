import { failed, listSome, pass, plural, warning, type PrecheckCheck } from '../check'
import { qualifiedName } from '../precheckFacts'

const spatialTypes = new Set(['geometry', 'point', 'linestring', 'polygon', 'multipoint', 'multilinestring', 'multipolygon', 'geometrycollection', 'geomcollection'])

export const tidbUnsupportedObjectsCheck: PrecheckCheck = {
  id: 'tidb_unsupported_objects',
  title: 'No objects TiDB cannot hold',
  appliesTo: (_config, servers) => servers.target.flavor === 'tidb',
  async run(facts) {
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

    const warnings: string[] = []
    if (fulltext.length > 0) warnings.push(`FULLTEXT indexes are dropped (TiDB ignores them; MATCH … AGAINST queries fail): ${listSome(fulltext)}.`)
    if (triggers.length > 0) warnings.push(`Triggers are not migrated and stop firing after cutover: ${listSome(triggers)}.`)
    if (routines.length > 0) warnings.push(`Stored procedures and functions are not migrated: ${listSome(routines)}.`)
    if (events.length > 0) warnings.push(`Scheduled events are not migrated: ${listSome(events)}.`)
    if (descending.length > 0) warnings.push(`Descending index parts become ascending: ${listSome(descending)}.`)
    const warnFix = 'Move trigger, routine and event logic into the application (or a job scheduler) before cutover; rewrite full-text search queries.'
    if (spatial.length > 0) {
      return failed(
        `TiDB has no spatial types or indexes: ${plural(spatial.length, 'object')} (${listSome(spatial)}).${warnings.length > 0 ? ' Also: ' + warnings.join(' ') : ''}`,
        'Exclude those tables from objects:, or change the columns to a BLOB holding WKB (ALTER TABLE … MODIFY col LONGBLOB after ST_AsBinary) before migrating.',
      )
    }
    if (warnings.length > 0) return warning(warnings.join(' '), warnFix)
    return pass('No spatial, full-text, trigger, routine, event or descending-index objects.')
  },
}
