/**
 * Reads SHOW GRANTS lines well enough to explain what is missing. It is deliberately tolerant: a line it
 * cannot read is kept raw and reported as such (DM hard-failed on MariaDB's BINLOG MONITOR, pain point 12),
 * and the checks prefer functional probes for the verdict where one exists.
 */

export interface GrantLine {
  raw: string
  /** Upper-cased privilege names, e.g. 'SELECT', 'REPLICATION SLAVE', 'BINLOG MONITOR', 'ALL PRIVILEGES'. */
  privileges: string[]
  /** '*' for `*.*`; for `db`.* the schema (possibly a LIKE pattern); table-level grants give both. */
  schema: string
  table: string
}

export interface ParsedGrants {
  lines: GrantLine[]
  /** Lines that are neither a privilege grant nor a role/proxy grant we can ignore. */
  unparsed: string[]
}

function unquote(identifier: string): string {
  const trimmed = identifier.trim()
  if (trimmed.startsWith('`') && trimmed.endsWith('`')) return trimmed.slice(1, -1).replace(/``/g, '`')
  if (trimmed.startsWith("'") && trimmed.endsWith("'")) return trimmed.slice(1, -1)
  return trimmed
}

/** Splits `SELECT (a, b), INSERT` on commas outside parentheses. */
function splitPrivileges(list: string): string[] {
  const out: string[] = []
  let depth = 0
  let current = ''
  for (const ch of list) {
    if (ch === '(') depth++
    if (ch === ')') depth--
    if (ch === ',' && depth === 0) {
      out.push(current)
      current = ''
    } else current += ch
  }
  out.push(current)
  return out.map((p) => p.trim()).filter(Boolean)
}

/** `db`.`t`, `db`.*, *.* — with backquotes that may contain dots. */
function parseLevel(level: string): { schema: string; table: string } | null {
  const match = /^(\*|`(?:[^`]|``)*`|[^.`\s]+)\.(\*|`(?:[^`]|``)*`|[^.`\s]+)$/.exec(level.trim())
  if (!match) return null
  const schema = match[1] === '*' ? '*' : unquote(match[1]!)
  const table = match[2] === '*' ? '*' : unquote(match[2]!)
  return { schema, table }
}

export function parseGrants(raw: string[]): ParsedGrants {
  const lines: GrantLine[] = []
  const unparsed: string[] = []
  for (const line of raw) {
    const match = /^GRANT\s+(.+?)\s+ON\s+(?:TABLE\s+)?(\S+)\s+TO\s+/is.exec(line)
    if (!match) {
      // Role grants ("GRANT `r` TO `u`"), proxy grants, and MariaDB's SET DEFAULT ROLE carry no privileges here.
      if (/^GRANT\s+[^\s]+(\s*,\s*[^\s]+)*\s+TO\s+/i.test(line) || /^SET DEFAULT ROLE/i.test(line)) continue
      unparsed.push(line)
      continue
    }
    if (/^(PROCEDURE|FUNCTION|PACKAGE)\b/i.test(match[2]!)) continue
    if (/^PROXY$/i.test(match[1]!.trim())) continue
    const level = parseLevel(match[2]!)
    if (!level) {
      unparsed.push(line)
      continue
    }
    const privileges = splitPrivileges(match[1]!)
      // Column-level SELECT (a, b) does not let a dump read the whole table, so it does not count.
      .filter((p) => !p.includes('('))
      .map((p) => p.replace(/\s+/g, ' ').toUpperCase())
    lines.push({ raw: line, privileges, ...level })
  }
  return { lines, unparsed }
}

/** MySQL's LIKE semantics for db-level grant names: `_` and `%` are wildcards unless escaped. */
function schemaMatches(pattern: string, schema: string): boolean {
  if (pattern === '*') return true
  if (!/(?<!\\)[%_]/.test(pattern)) return pattern.replace(/\\([%_])/g, '$1') === schema
  let regex = '^'
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!
    if (ch === '\\' && i + 1 < pattern.length) {
      regex += pattern[++i]!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    } else if (ch === '%') regex += '.*'
    else if (ch === '_') regex += '.'
    else regex += ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
  }
  return new RegExp(regex + '$').test(schema)
}

function grantsPrivilege(line: GrantLine, privilege: string): boolean {
  return line.privileges.includes(privilege) || line.privileges.includes('ALL PRIVILEGES') || line.privileges.includes('ALL')
}

/** Whether any of `privileges` is held globally (`*.*`). */
export function hasGlobal(grants: ParsedGrants, ...privileges: string[]): boolean {
  return grants.lines.some((l) => l.schema === '*' && privileges.some((p) => grantsPrivilege(l, p)))
}

/** Whether `privilege` covers the table (global, schema or table level). */
export function hasOnTable(grants: ParsedGrants, privilege: string, schema: string, table: string): boolean {
  return grants.lines.some(
    (l) => grantsPrivilege(l, privilege) && schemaMatches(l.schema, schema) && (l.table === '*' || l.table === table),
  )
}

/** Whether `privilege` covers every object of the schema (global or schema level). */
export function hasOnSchema(grants: ParsedGrants, privilege: string, schema: string): boolean {
  return grants.lines.some((l) => grantsPrivilege(l, privilege) && l.table === '*' && schemaMatches(l.schema, schema))
}
