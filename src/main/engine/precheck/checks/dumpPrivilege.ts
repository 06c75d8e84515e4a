import { versionAtLeast } from '../../connect/serverInfo'
import { account, copiesExistingData, failed, listSome, pass, quoteIdentifier, warning, type PrecheckCheck } from '../check'
import { hasGlobal, hasOnSchema, hasOnTable, parseGrants } from '../grantParser'
import { qualifiedName } from '../precheckFacts'

/**
 * SELECT on every selected table, SHOW VIEW for views, and a way to take a consistent snapshot: RELOAD for
 * FLUSH TABLES WITH READ LOCK, or LOCK TABLES where managed MySQL forbids FTWRL (TiDB Cloud DM's advice).
 */
export const dumpPrivilegeCheck: PrecheckCheck = {
  id: 'dump_privilege',
  title: 'Source user can read the selected tables',
  appliesTo: copiesExistingData,
  async run(facts) {
    const { info } = facts.source
    const grants = parseGrants(facts.source.grants)
    const who = account(facts.source.account.user, facts.source.account.host)
    const schemas = [...new Set(facts.tables.map((t) => t.schema))]
    const wholeInstance = facts.config.objects === 'all'
    const missing: string[] = []
    const problems: string[] = []

    const noSelect = facts.tables.filter((t) => !hasOnTable(grants, 'SELECT', t.schema, t.name)).map(qualifiedName)
    if (noSelect.length > 0 || (facts.tables.length === 0 && !hasGlobal(grants, 'SELECT'))) {
      missing.push('SELECT')
      problems.push(noSelect.length > 0 ? `no SELECT on ${listSome(noSelect)}` : 'no SELECT on any selected table (the user sees none)')
    }
    const views = facts.tables.filter((t) => t.kind === 'view' && !hasOnTable(grants, 'SHOW VIEW', t.schema, t.name))
    if (views.length > 0) {
      missing.push('SHOW VIEW')
      problems.push(`no SHOW VIEW on the views ${listSome(views.map(qualifiedName))}`)
    }
    const flushTables = info.flavor === 'mysql' && versionAtLeast(info, '8.0.0') ? ['RELOAD', 'FLUSH_TABLES'] : ['RELOAD']
    const canFlush = hasGlobal(grants, ...flushTables)
    const canLock = schemas.length > 0 && schemas.every((s) => hasOnSchema(grants, 'LOCK TABLES', s))
    if (!canFlush && !canLock) {
      missing.push('RELOAD')
      problems.push('neither RELOAD (for FLUSH TABLES WITH READ LOCK) nor LOCK TABLES, so no consistent snapshot can be taken')
    }

    if (missing.length === 0) {
      const via = canFlush ? 'RELOAD' : 'LOCK TABLES (FLUSH TABLES WITH READ LOCK is not allowed)'
      return pass(`${who} can SELECT every selected table and take a consistent snapshot with ${via}.`)
    }
    const globalOnly = missing.filter((p) => p === 'RELOAD')
    const scoped = missing.filter((p) => p !== 'RELOAD')
    const statements: string[] = []
    if (scoped.length > 0) {
      const levels = wholeInstance ? ['*.*'] : schemas.length > 0 ? schemas.map((s) => `${quoteIdentifier(s)}.*`) : ['*.*']
      for (const level of levels) statements.push(`GRANT ${scoped.join(', ')} ON ${level} TO ${who};`)
    }
    if (globalOnly.length > 0) statements.push(`GRANT RELOAD ON *.* TO ${who};`)
    const fix = statements.join('\n') + (globalOnly.length > 0 ? '\n(Managed MySQL that forbids RELOAD: GRANT LOCK TABLES on the migrated databases instead.)' : '')
    const message = `${who} has ${problems.join('; ')}.`
    if (grants.unparsed.length > 0) {
      return warning(`${message} Some grants could not be read and may cover this: ${grants.unparsed.join(' | ')}`, fix)
    }
    return failed(message, fix)
  },
}
