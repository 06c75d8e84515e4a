import { CutoverError } from '../../../shared/domain/errors'
import { identifierName, isPunct, isSignificant, isWord, tokenize, type Token } from '../vocabulary/sqlTokenizer'

export interface ViewDefinition {
  /**
   * `schema.view`, or `view` when every view is in one schema. A bare name in a body resolves to the view's own
   * schema; a qualified one (MySQL qualifies every table) only matches qualified names, so pass those for MySQL.
   */
  name: string
  sql: string
}

/**
 * The views in an order in which each is created after the views it selects from (input order where it is free).
 *
 * References are found on the token stream of the body: `schema`.`name` pairs, and backquoted bare names that are neither an
 * alias (`AS name`) nor a column of something (`x`.`name`). SHOW CREATE VIEW qualifies every column, so a bare name
 * in its output is a table or view; a false match can only add an edge, never lose one.
 */
export function viewDependencyOrder(views: readonly ViewDefinition[]): string[] {
  const split = (name: string): { schema: string | null; view: string } => {
    const dot = name.indexOf('.')
    return dot < 0 ? { schema: null, view: name } : { schema: name.slice(0, dot), view: name.slice(dot + 1) }
  }
  const index = new Map<string, number>()
  views.forEach((v, i) => {
    if (index.has(v.name)) throw new Error(`view ${v.name} is listed twice`)
    index.set(v.name, i)
  })
  const lookup = (schema: string | null, view: string): number | undefined =>
    index.get(schema === null ? view : `${schema}.${view}`)

  const dependsOn = views.map((v, i) => {
    const own = split(v.name)
    const deps = new Set<number>()
    for (const ref of references(bodyTokens(v.sql))) {
      const target = ref.schema === null ? lookup(own.schema, ref.name) : lookup(ref.schema, ref.name)
      if (target !== undefined && target !== i) deps.add(target)
    }
    return deps
  })

  // Kahn's algorithm, always taking the earliest ready view so the result is stable.
  const order: string[] = []
  const done = new Set<number>()
  while (order.length < views.length) {
    const ready = views.findIndex((_, i) => !done.has(i) && [...dependsOn[i]!].every((d) => done.has(d)))
    if (ready < 0) {
      const stuck = views.filter((_, i) => !done.has(i)).map((v) => v.name)
      throw new CutoverError({
        code: 'SCHEMA_VIEW_CYCLE',
        message: `These views depend on each other in a cycle: ${stuck.join(', ')}.`,
        workaround:
          'Exclude one of these views from the job (or fix its definition on the source), then run the job again.',
        stage: 'schema',
      })
    }
    done.add(ready)
    order.push(views[ready]!.name)
  }
  return order
}

function bodyTokens(sql: string): Token[] {
  const tokens = tokenize(sql).filter(isSignificant)
  const view = tokens.findIndex((t) => isWord(t, 'VIEW'))
  const as = tokens.findIndex((t, i) => i > view && isWord(t, 'AS'))
  return as < 0 ? [] : tokens.slice(as + 1)
}

function references(tokens: Token[]): { schema: string | null; name: string }[] {
  const refs: { schema: string | null; name: string }[] = []
  const isName = (t: Token | undefined): t is Token => t !== undefined && (t.kind === 'quoted' || t.kind === 'word')
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]
    if (!isName(t) || isPunct(tokens[i - 1], '.')) continue
    if (isPunct(tokens[i + 1], '.') && isName(tokens[i + 2])) {
      // `a`.`b`: schema.table, or table.column (whose table `a` is then itself a reference).
      refs.push({ schema: identifierName(t), name: identifierName(tokens[i + 2]!) })
      refs.push({ schema: null, name: identifierName(t) })
      continue
    }
    // Bare words are keywords and function names: SHOW CREATE VIEW backquotes every identifier.
    if (t.kind !== 'quoted' || isWord(tokens[i - 1], 'AS')) continue
    refs.push({ schema: null, name: identifierName(t) })
  }
  return refs
}
