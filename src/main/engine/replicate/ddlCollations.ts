/**
 * A replicated DDL that names a character set without a collation (`CONVERT TO CHARACTER SET utf8mb4`, a column
 * `… CHARACTER SET latin1`, a table `DEFAULT CHARSET=utf8mb4`) got the source's default collation for it there. The
 * target's default for the same character set may differ (TiDB: utf8mb4_bin and latin1_bin, where MariaDB has
 * utf8mb4_general_ci and latin1_swedish_ci), which changes comparisons, sorting and unique keys. The source's
 * collation is written out, so the target does not pick its own.
 */
import { identifierName, isPunct, isSignificant, isWord, tokenize, type Token } from '../vocabulary/sqlTokenizer'

/** `sql` with `COLLATE <the source's default>` after every character set named without one. */
export function withSourceCollations(sql: string, sourceDefaults: ReadonlyMap<string, string>): string {
  const tokens = tokenize(sql)
  const significant = tokens.map((t, i) => [t, i] as const).filter(([t]) => isSignificant(t))
  const insertAfter = new Map<number, string>()
  // The words before each open parenthesis: CAST(… AS CHAR CHARACTER SET x) and CONVERT(…) are expressions.
  const opens: string[] = []
  for (let n = 0; n < significant.length; n++) {
    const [t] = significant[n]!
    if (isPunct(t, '(')) opens.push(n > 0 ? significant[n - 1]![0].text.toUpperCase() : '')
    else if (isPunct(t, ')')) opens.pop()
    let nameAt = -1
    if (isWord(t, 'CHARSET')) nameAt = n + 1
    else if (isWord(t, 'CHARACTER') && isWord(significant[n + 1]?.[0], 'SET')) nameAt = n + 2
    if (nameAt < 0) continue
    if (isPunct(significant[nameAt]?.[0], '=')) nameAt++
    const name = significant[nameAt]
    if (!name || opens.includes('CAST') || opens.includes('CONVERT')) continue
    const charset = identifierName(name[0]).toLowerCase()
    const collation = sourceDefaults.get(charset)
    if (
      !collation ||
      hasCollate(
        significant.map(([s]) => s),
        n,
        nameAt + 1,
      )
    )
      continue
    insertAfter.set(name[1], collation)
  }
  if (insertAfter.size === 0) return sql
  return tokens.map((t, i) => (insertAfter.has(i) ? `${t.text} COLLATE ${insertAfter.get(i)}` : t.text)).join('')
}

/**
 * A COLLATE clause goes with the character set starting at `from` and ending before `after`: right after it
 * (`CHARSET x COLLATE y`, `… DEFAULT COLLATE y`) or right before it (`COLLATE y CHARACTER SET x`).
 */
function hasCollate(tokens: Token[], from: number, after: number): boolean {
  if (isWord(tokens[after], 'COLLATE')) return true
  if (isWord(tokens[after], 'DEFAULT') && isWord(tokens[after + 1], 'COLLATE')) return true
  const before = tokens.slice(Math.max(0, from - 4), from)
  return before.some((t) => isWord(t, 'COLLATE'))
}
