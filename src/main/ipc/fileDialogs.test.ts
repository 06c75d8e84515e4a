import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { filePurposes } from '../../shared/ipc/contract'
import { createEngine } from '../engine/engine'
import type { Engine } from '../engine/engine'
import { memoryOnlySecrets } from '../engine/secretBox'
import { openJobStore } from '../store/jobStore'
import { createDispatch } from './dispatch'
import type { Dispatch, InvokeOrigin } from './dispatch'
import type { FilePicker, OpenFileDialog } from './fileDialogs'
import { createHandlers } from './handlers'

describe('dialog:openFile', () => {
  let engine: Engine
  beforeEach(() => {
    engine = createEngine({ store: openJobStore(':memory:'), secrets: memoryOnlySecrets })
  })
  afterEach(() => engine.close())

  /** A picker that records what it was asked and answers from a script. */
  function scriptedPicker(answer: string | null) {
    const asked: { dialog: OpenFileDialog; origin: InvokeOrigin }[] = []
    const picker: FilePicker = async (dialog, origin) => {
      asked.push({ dialog, origin })
      return answer
    }
    return { asked, picker }
  }

  const desktop = (picker: FilePicker): Dispatch => createDispatch(createHandlers(engine, { host: 'electron', version: 'test' }, { pickFile: picker }))

  it('asks the picker with a title and filters for the purpose, and answers the chosen path', async () => {
    const { asked, picker } = scriptedPicker('/home/ops/certs/ca.pem')
    const sender = { id: 7 }
    const result = await desktop(picker)('dialog:openFile', { purpose: 'tlsCa' }, { sender })
    expect(result).toEqual({ ok: true, value: { path: '/home/ops/certs/ca.pem' } })
    expect(asked).toHaveLength(1)
    const [{ dialog, origin }] = asked as [(typeof asked)[number]]
    // The window that asked travels to the picker, so the dialog can be modal to it.
    expect(origin.sender).toBe(sender)
    expect(dialog).toMatchObject({ purpose: 'tlsCa', title: expect.stringMatching(/CA certificate/), properties: ['openFile'] })
    expect(dialog.filters[0]!.extensions).toEqual(['pem', 'crt', 'cer', 'key'])
    expect(dialog.filters.at(-1)).toEqual({ name: 'All files', extensions: ['*'] })
  })

  it('gives every purpose its own title; only SSH keys show hidden files and list all files first', async () => {
    const { asked, picker } = scriptedPicker('/x')
    const dispatch = desktop(picker)
    for (const purpose of filePurposes) await dispatch('dialog:openFile', { purpose })
    const byPurpose = Object.fromEntries(asked.map(({ dialog }) => [dialog.purpose, dialog]))
    expect(new Set(asked.map(({ dialog }) => dialog.title)).size).toBe(filePurposes.length)
    for (const purpose of ['tlsCa', 'tlsCert', 'tlsKey'] as const) {
      expect(byPurpose[purpose]!.properties).toEqual(['openFile'])
      expect(byPurpose[purpose]!.filters.map((f) => f.extensions)).toEqual([['pem', 'crt', 'cer', 'key'], ['*']])
    }
    expect(byPurpose['sshKey']!.properties).toEqual(['openFile', 'showHiddenFiles'])
    // OpenSSH keys (id_ed25519) have no extension: a PEM-only first filter would hide them.
    expect(byPurpose['sshKey']!.filters[0]).toEqual({ name: 'All files', extensions: ['*'] })
  })

  it('answers null when the user cancels', async () => {
    const { picker } = scriptedPicker(null)
    expect(await desktop(picker)('dialog:openFile', { purpose: 'sshKey' })).toEqual({ ok: true, value: { path: null } })
  })

  it('refuses an unknown purpose or extra fields before the picker runs', async () => {
    const { asked, picker } = scriptedPicker('/x')
    const dispatch = desktop(picker)
    expect(await dispatch('dialog:openFile', { purpose: 'anything' })).toMatchObject({ ok: false, error: { code: 'IPC_INVALID_PAYLOAD' } })
    expect(await dispatch('dialog:openFile', { purpose: 'tlsCa', defaultPath: '/etc' })).toMatchObject({ ok: false, error: { code: 'IPC_INVALID_PAYLOAD' } })
    expect(asked).toEqual([])
  })

  it('reports native dialogs in app:info only where a picker is injected', async () => {
    const { picker } = scriptedPicker(null)
    expect(await desktop(picker)('app:info', {})).toMatchObject({ ok: true, value: { nativeDialogs: true } })
    const bridge = createDispatch(createHandlers(engine, { host: 'bridge', version: 'test' }))
    expect(await bridge('app:info', {})).toMatchObject({ ok: true, value: { nativeDialogs: false } })
  })

  it('without a picker (the browser bridge) refuses with a coded error telling to type the path', async () => {
    const bridge = createDispatch(createHandlers(engine, { host: 'bridge', version: 'test' }))
    const result = await bridge('dialog:openFile', { purpose: 'tlsKey' })
    expect(result.ok).toBe(false)
    if (result.ok) return
    expect(result.error.code).toBe('DIALOG_UNAVAILABLE')
    expect(result.error.workaround).toMatch(/full path/)
  })
})
