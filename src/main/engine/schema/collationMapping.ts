import { CutoverError } from '../../../shared/domain/errors'
import type { ServerInfo, SqlSession } from '../connect/session'
import { versionAtLeast } from '../connect/serverInfo'

/** What the target offers, read from its `SHOW CHARACTER SET` and `SHOW COLLATION` (names lowercased). */
export interface CharsetSupport {
  collations: Set<string>
  charsets: Set<string>
  defaultCollationByCharset: Map<string, string>
}

/** Everything the target says about its character sets; read once, used by the precheck and the schema stage. */
export interface CharsetCatalog extends CharsetSupport {
  charsetOfCollation: Map<string, string>
  maxLenByCharset: Map<string, number>
}

type Row = Record<string, unknown>
const text = (v: unknown): string =>
  (v === null || v === undefined ? '' : Buffer.isBuffer(v) ? v.toString('utf8') : String(v)).toLowerCase()

/** Reads the target's own catalog (never a static list): SHOW COLLATION, SHOW CHARACTER SET, MariaDB's full names. */
export async function readCharsetCatalog(
  query: (sql: string) => Promise<Row[]>,
  info: ServerInfo,
): Promise<CharsetCatalog> {
  const [collationRows, charsetRows, fullNames] = await Promise.all([
    query('SHOW COLLATION'),
    query('SHOW CHARACTER SET'),
    // MariaDB ≥ 10.10 lists `uca1400_ai_ci` once without a charset; columns use the full `utf8mb4_uca1400_ai_ci`.
    info.flavor === 'mariadb' && versionAtLeast(info, '10.10.0')
      ? query(
          'SELECT FULL_COLLATION_NAME AS c, CHARACTER_SET_NAME AS cs FROM information_schema.COLLATION_CHARACTER_SET_APPLICABILITY',
        )
      : Promise.resolve([] as Row[]),
  ])
  const charsetOfCollation = new Map<string, string>()
  for (const r of collationRows)
    if (r['Charset'] !== null && r['Charset'] !== undefined)
      charsetOfCollation.set(text(r['Collation']), text(r['Charset']))
  for (const r of fullNames) charsetOfCollation.set(text(r['c']), text(r['cs']))
  const defaultCollationByCharset = new Map<string, string>()
  const maxLenByCharset = new Map<string, number>()
  for (const r of charsetRows) {
    defaultCollationByCharset.set(text(r['Charset']), text(r['Default collation']))
    maxLenByCharset.set(text(r['Charset']), Number(r['Maxlen'] ?? 0))
  }
  return {
    collations: new Set(charsetOfCollation.keys()),
    charsets: new Set(defaultCollationByCharset.keys()),
    defaultCollationByCharset,
    charsetOfCollation,
    maxLenByCharset,
  }
}

/** MySQL 8.0.30+ and MariaDB 10.6+ say `utf8mb3` where older servers and TiDB say `utf8`; both are the 3-byte charset. */
const charsetAliases: Record<string, string> = { utf8: 'utf8mb3', utf8mb3: 'utf8' }

/** The target's name for `charset`, or a SCHEMA_UNSUPPORTED_CHARSET error naming `object`. */
export function targetCharset(charset: string, target: CharsetSupport, object: string): string {
  const name = charset.toLowerCase()
  if (target.charsets.has(name)) return name
  const alias = charsetAliases[name]
  if (alias !== undefined && target.charsets.has(alias)) return alias
  throw new CutoverError({
    code: 'SCHEMA_UNSUPPORTED_CHARSET',
    message: `${object} uses the character set ${name}, which the target does not support.`,
    workaround: `Convert ${object} to utf8mb4 on the source (ALTER TABLE … CONVERT TO CHARACTER SET utf8mb4), or exclude it from the job.`,
    stage: 'schema',
  })
}

/**
 * The target collation to use for `collation`: itself when supported, else an equivalent of the same charset.
 *
 * The rule: a collation that tells apart anything a `_ci` collation merges (`_bin`, `_cs`, accent-sensitive `_as_ci`)
 * becomes `<charset>_bin`, because mapping it to a case-insensitive collation could make two distinct keys of a
 * unique index collide on load; a case-insensitive one becomes `<charset>_unicode_ci` (the UCA-based match for
 * `0900_ai_ci`, `uca1400_ai_ci`, `unicode_520_ci`), or `<charset>_general_ci` first when the source is itself a
 * `general` variant; failing those, the target's default collation for the charset.
 */
export function targetCollation(collation: string, target: CharsetSupport, object: string): string {
  const name = collation.toLowerCase()
  if (target.collations.has(name)) return name
  const charset = name === 'binary' ? 'binary' : name.slice(0, name.indexOf('_') < 0 ? name.length : name.indexOf('_'))
  const mappedCharset = targetCharset(charset, target, object)
  const renamed = mappedCharset + name.slice(charset.length)
  if (target.collations.has(renamed)) return renamed

  const insensitive = /_ci$/.test(name) && !/_as_ci$/.test(name)
  const preferred = !insensitive
    ? ['_bin']
    : name.includes('_general_')
      ? ['_general_ci', '_unicode_ci']
      : ['_unicode_ci', '_general_ci']
  for (const suffix of preferred) {
    if (target.collations.has(mappedCharset + suffix)) return mappedCharset + suffix
  }
  const fallback = target.defaultCollationByCharset.get(mappedCharset)
  if (fallback !== undefined) return fallback.toLowerCase()
  throw new CutoverError({
    code: 'SCHEMA_UNSUPPORTED_COLLATION',
    message: `${object} uses the collation ${name}; the target has no collation for ${mappedCharset} to replace it with.`,
    workaround: `Change ${object} to a collation the target supports (for example utf8mb4_bin) on the source, or exclude it from the job.`,
    stage: 'schema',
  })
}

interface CollationTraits {
  /** `ci`: 'a' = 'A'; `cs`: case-sensitive by linguistic rules; `bin`: code points / bytes. */
  kind: 'ci' | 'cs' | 'bin'
  accentSensitive: boolean
  /** NO PAD: 'a ' and 'a' differ; PAD SPACE: trailing spaces are ignored. */
  noPad: boolean
  /** How characters are weighed and ordered, in words. */
  order: string
}

const ucaVersions: [RegExp, string][] = [
  [/_uca1400_/, 'UCA 14.0.0'],
  [/_0900_/, 'UCA 9.0.0'],
  [/_unicode_520_/, 'UCA 5.2.0'],
  [/_unicode_/, 'UCA 4.0.0'],
]

/** What a collation's name says about how it compares (MySQL and MariaDB name them by these rules). */
function collationTraits(collation: string): CollationTraits {
  const name = collation.toLowerCase()
  const noPad = /_nopad_/.test(name) || /_0900_|_uca1400_/.test(name)
  if (name === 'binary' || /_bin$/.test(name)) {
    return {
      kind: 'bin',
      accentSensitive: true,
      noPad: noPad || name === 'binary',
      order: name === 'binary' ? 'byte values' : 'code point (binary) order',
    }
  }
  const kind = /_cs$/.test(name) ? 'cs' : 'ci'
  const accentSensitive = kind === 'cs' || /_as_/.test(name)
  const uca = ucaVersions.find(([re]) => re.test(name))?.[1]
  const language = /^[a-z0-9]+_(?:nopad_)?([a-z]+)_/.exec(name)?.[1]
  const tailored = language !== undefined && !['general', 'unicode', 'uca', 'nopad'].includes(language)
  const order =
    uca !== undefined
      ? `${uca} weights${tailored ? ` with ${language} tailoring` : ''}`
      : language === 'general'
        ? 'the simple general weights (one weight per character)'
        : `${language ?? 'its own'} language rules`
  return { kind, accentSensitive, noPad, order }
}

/**
 * Exactly how comparisons, sorting and unique keys change when a column, table or database moves from `before`
 * to `after`: the text every collation rewrite records, so a reader knows what the application will see.
 */
export function collationChange(before: string, after: string): string {
  const from = collationTraits(before)
  const to = collationTraits(after)
  const changes: string[] = []
  if (from.kind === 'ci' && to.kind !== 'ci') {
    changes.push(
      "comparisons become case-sensitive ('a' = 'A' is false), so WHERE, GROUP BY and DISTINCT tell case apart and a UNIQUE key accepts values that differ only in case",
    )
  } else if (from.kind !== 'ci' && to.kind === 'ci') {
    changes.push(
      "comparisons become case-insensitive ('a' = 'A' is true), so a UNIQUE key rejects values that differ only in case",
    )
  }
  if (!from.accentSensitive && to.accentSensitive) changes.push("accents count ('e' = 'é' is false)")
  else if (from.accentSensitive && !to.accentSensitive) changes.push("accents no longer count ('e' = 'é' is true)")
  if (from.noPad && !to.noPad) {
    changes.push(
      "trailing spaces are ignored ('a ' = 'a' is true: PAD SPACE instead of NO PAD), so a UNIQUE key rejects values that differ only in trailing spaces",
    )
  } else if (!from.noPad && to.noPad) {
    changes.push("trailing spaces count ('a ' = 'a' is false: NO PAD instead of PAD SPACE)")
  }
  if (from.order !== to.order) changes.push(`ORDER BY sorts by ${to.order} instead of ${from.order}`)
  if (changes.length === 0) return `${after} compares exactly as ${before} does`
  return `on the target ${changes.join('; ')}`
}

/**
 * The default collation of each character set on a server: `information_schema.CHARACTER_SETS`, overridden by
 * MariaDB's `character_set_collations` (11.2+: `utf8mb4=uca1400_ai_ci,…`) where the server has it.
 */
export async function readDefaultCollations(session: SqlSession): Promise<Map<string, string>> {
  const rows = await session.query<{ cs: string; coll: string }>(
    'SELECT CHARACTER_SET_NAME AS cs, DEFAULT_COLLATE_NAME AS coll FROM information_schema.CHARACTER_SETS',
  )
  const out = new Map(rows.map((r) => [r.cs.toLowerCase(), r.coll.toLowerCase()]))
  const [overrides] = await session
    .query<{ v: string | null }>('SELECT @@character_set_collations AS v')
    .catch(() => [{ v: null }])
  for (const pair of (overrides?.v ?? '').split(',')) {
    const [charset, collation] = pair.split('=').map((x) => x.trim().toLowerCase())
    if (!charset || !collation) continue
    // MariaDB names a UCA-14 collation without its charset prefix (uca1400_ai_ci means utf8mb4_uca1400_ai_ci).
    out.set(charset, collation.startsWith(`${charset}_`) ? collation : `${charset}_${collation}`)
  }
  return out
}
