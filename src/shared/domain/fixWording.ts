/**
 * How each surface words the parts of a fix that are the job's own settings: the CLI names the job file's field,
 * the app names the wizard step where the choice is made. The server-side part of a fix is the same everywhere.
 */
import type { Surface } from './errors'
import type { FixAction, FixSetting, PrecheckItem } from './precheck'

/** The wizard step where each setting is chosen. */
export const settingStep: Record<FixSetting, { step: 2 | 3; label: string }> = {
  mode: { step: 2, label: 'Job type' },
  type: { step: 2, label: 'Job type' },
  start: { step: 2, label: 'Job type' },
  objects: { step: 3, label: 'Objects' },
}

const typeTitles: Record<string, string> = {
  both: 'Existing data and incremental',
  existing: 'Existing data only',
  incremental: 'Incremental only',
}

const capitalized = (text: string) => text.charAt(0).toUpperCase() + text.slice(1)

function settingText(setting: FixSetting, value: string | undefined, surface: Surface): string {
  if (surface === 'cli') {
    switch (setting) {
      case 'mode':
        return `set mode: ${value} in the job file`
      case 'type':
        return `use type: ${value} in the job file`
      case 'start':
        return 'put it under start: in the job file'
      case 'objects':
        return 'correct objects: in the job file'
    }
  }
  const where = `in step ${settingStep[setting].step}, ${settingStep[setting].label}`
  switch (setting) {
    case 'mode':
      return `choose ${capitalized(value ?? '')} mode ${where}`
    case 'type':
      return `choose “${typeTitles[value ?? ''] ?? value}” ${where}`
    case 'start':
      return `enter it as the start point ${where}`
    case 'objects':
      return `correct the selected objects ${where}`
  }
}

/** One action as `surface` words it, without its joining word. */
export function fixActionText(action: FixAction, surface: Surface): string {
  if (action.kind === 'rewrites') {
    return surface === 'cli'
      ? '`cutover schema-preview` shows every rewrite before the job runs'
      : "the job's log lists every rewrite when the tables are created"
  }
  const text = settingText(action.setting, action.value, surface)
  return action.note ? `${text} (${action.note})` : text
}

/** One action as a line after the fix: "or set mode: logical in the job file (…)." */
export function fixActionLine(action: FixAction, surface: Surface, first: boolean): string {
  const text = fixActionText(action, surface)
  if (action.kind === 'rewrites' || first) return `${capitalized(text)}.`
  return `${action.join} ${text}.`
}

/** A precheck item's whole fix as `surface` shows it: the server-side fix, then the settings that also fix it. */
export function precheckFixText(item: Pick<PrecheckItem, 'fix' | 'actions'>, surface: Surface): string {
  const lines = item.fix ? [item.fix] : []
  for (const action of item.actions ?? []) lines.push(fixActionLine(action, surface, lines.length === 0))
  return lines.join('\n')
}
