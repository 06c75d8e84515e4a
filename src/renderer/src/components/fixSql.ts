/**
 * The SQL statements of a fix, without the prose around them, so a paste into `mysql` runs as it is. Fixes write
 * SQL keywords in capitals; prose that starts with the same word ("Drop those tables…") is not a statement.
 */
const statementStart =
  /^\s*(SET|GRANT|REVOKE|ALTER|CREATE|DROP|TRUNCATE|FLUSH|INSTALL|UNINSTALL|SELECT|SHOW|RENAME|UPDATE|DELETE|INSERT|CALL|PURGE|RESET|CHANGE|START|STOP|ANALYZE|OPTIMIZE|KILL|USE)\b/

/** Whether a line's code (before a `--` comment) ends a statement. */
const endsStatement = (line: string) => /;\s*$/.test(line.replace(/\s--\s.*$/, ''))

/** The statement lines of `fix` (a statement may span lines up to its `;`), or null when it has none. */
export function sqlOfFix(fix: string): string | null {
  const out: string[] = []
  let open = false
  for (const line of fix.split('\n')) {
    if (!open && !statementStart.test(line)) continue
    out.push(line)
    open = !endsStatement(line)
  }
  return out.length > 0 ? out.join('\n') : null
}
