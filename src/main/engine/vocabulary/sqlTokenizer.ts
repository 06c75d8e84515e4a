import { CutoverError } from '../../../shared/domain/errors'

/**
 * A lossless token stream of one MySQL/MariaDB statement: joining every token's text gives the input back, so
 * rewrites edit tokens and never the raw string. Strings, quoted identifiers and comments are single tokens, which
 * is what keeps a collation name inside a DEFAULT '…' or a comment out of reach of the rewrites.
 */
export type TokenKind =
  | 'space'
  | 'comment' // `/* */`, `-- `, `#`, and executable `/*! */` `/*M! */` comments, kept whole
  | 'string' // '…' or "…" (ANSI_QUOTES off, as in SHOW CREATE output)
  | 'quoted' // `…`
  | 'word' // keyword, bare identifier or number
  | 'punct' // any other single character

export interface Token {
  kind: TokenKind
  text: string
}

const wordChar = /[A-Za-z0-9_$\u0080-\uffff]/

export function tokenize(sql: string): Token[] {
  const tokens: Token[] = []
  let i = 0
  const fail = (what: string): never => {
    throw new CutoverError({
      code: 'SCHEMA_DDL_UNREADABLE',
      message: `Cannot read the DDL: ${what} at offset ${i}.`,
      workaround:
        'Report this with the SHOW CREATE output of the object; create the object on the target by hand and exclude it from the job.',
      stage: 'schema',
    })
  }
  while (i < sql.length) {
    const start = i
    const c = sql[i]!
    const next = sql[i + 1]
    if (/\s/.test(c)) {
      while (i < sql.length && /\s/.test(sql[i]!)) i++
      tokens.push({ kind: 'space', text: sql.slice(start, i) })
    } else if (c === '/' && next === '*') {
      const end = sql.indexOf('*/', i + 2)
      if (end < 0) fail('an unterminated comment')
      i = end + 2
      tokens.push({ kind: 'comment', text: sql.slice(start, i) })
    } else if (c === '#' || (c === '-' && next === '-' && (i + 2 >= sql.length || /[\s]/.test(sql[i + 2]!)))) {
      // `--` starts a comment only when followed by whitespace; `1--1` is arithmetic.
      const end = sql.indexOf('\n', i)
      i = end < 0 ? sql.length : end
      tokens.push({ kind: 'comment', text: sql.slice(start, i) })
    } else if (c === "'" || c === '"') {
      i++
      for (;;) {
        if (i >= sql.length) fail('an unterminated string')
        const d = sql[i]!
        if (d === '\\') i += 2
        else if (d === c && sql[i + 1] === c) i += 2
        else if (d === c) break
        else i++
      }
      i++
      tokens.push({ kind: 'string', text: sql.slice(start, i) })
    } else if (c === '`') {
      i++
      for (;;) {
        if (i >= sql.length) fail('an unterminated quoted identifier')
        if (sql[i] === '`' && sql[i + 1] === '`') i += 2
        else if (sql[i] === '`') break
        else i++
      }
      i++
      tokens.push({ kind: 'quoted', text: sql.slice(start, i) })
    } else if (wordChar.test(c)) {
      while (i < sql.length && wordChar.test(sql[i]!)) i++
      tokens.push({ kind: 'word', text: sql.slice(start, i) })
    } else {
      i++
      tokens.push({ kind: 'punct', text: c })
    }
  }
  return tokens
}

/** The name an identifier token stands for: backticks removed and doubled backticks undone. */
export function identifierName(token: Token): string {
  return token.kind === 'quoted' ? token.text.slice(1, -1).replaceAll('``', '`') : token.text
}

export function isWord(token: Token | undefined, ...words: string[]): boolean {
  return token?.kind === 'word' && words.includes(token.text.toUpperCase())
}

export function isPunct(token: Token | undefined, text: string): boolean {
  return token?.kind === 'punct' && token.text === text
}

export function isSignificant(token: Token): boolean {
  return token.kind !== 'space' && token.kind !== 'comment'
}
