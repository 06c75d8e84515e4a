import { account, listSome, pass, quoteIdentifier, warning, type PrecheckCheck } from '../check'
import { hasGlobal, hasOnSchema, parseGrants } from '../grantParser'

const required = ['CREATE', 'SELECT', 'INSERT', 'UPDATE', 'DELETE', 'ALTER', 'DROP', 'INDEX']

/** A warning, as in DM: the target user may legitimately hold narrower grants than the check can prove. */
export const targetPrivilegeCheck: PrecheckCheck = {
  id: 'target_privilege',
  title: 'Target user can create and write the tables',
  appliesTo: () => true,
  async run(facts) {
    const grants = parseGrants(facts.target.grants)
    const who = account(facts.target.account.user, facts.target.account.host)
    const schemas = [...new Set(facts.tables.map((t) => t.schema))]
    const needed = facts.tables.some((t) => t.kind === 'view') ? [...required, 'CREATE VIEW'] : required
    const scopes = facts.config.objects === 'all' || schemas.length === 0 ? ['*'] : schemas
    const missing = needed.filter((p) => !scopes.every((s) => (s === '*' ? hasGlobal(grants, p) : hasOnSchema(grants, p, s))))
    if (missing.length === 0) return pass(`${who} holds ${needed.join(', ')} on the migrated databases.`)
    const level = scopes[0] === '*' ? ['*.*'] : scopes.map((s) => `${quoteIdentifier(s)}.*`)
    const unread = grants.unparsed.length > 0 ? ` These grants could not be read: ${grants.unparsed.join(' | ')}` : ''
    return warning(
      `${who} lacks ${missing.join(', ')} on ${scopes[0] === '*' ? 'all databases' : listSome(scopes)}.${unread}`,
      level.map((l) => `GRANT ${missing.join(', ')} ON ${l} TO ${who};`).join('\n'),
    )
  },
}
