/**
 * Certificate and key paths in the connection form. Served to a browser there are no native dialogs: each
 * path field says to type the full path and has no Browse… button. The desktop app's dialogs are simulated by
 * rewriting the bridge's socket traffic (app:info says nativeDialogs, dialog:openFile answers a path), which
 * exercises the renderer's half of the channel; main's half is unit-tested with an injected picker.
 */
import { expect, test, type Page } from '@playwright/test'
import type { BridgeClientMessage, BridgeServerMessage } from '../../src/shared/ipc/contract'
import { serveApp, type ServedApp } from '../harness/cutoverServe'
import { shoot, watchConsole } from './pageChecks'

let app: ServedApp

test.beforeAll(async () => {
  app = await serveApp()
})
test.afterAll(async () => {
  await app?.stop()
})

/** Opens the wizard with TLS and an SSH key on the source side, so all four path fields show. */
async function openPathFields(page: Page): Promise<void> {
  await page.goto(app.url)
  await page.getByRole('button', { name: 'Create migration job' }).click()
  await page.locator('#source-tls').selectOption('verify-ca')
  await page.locator('#source-ssh').check()
  await page.locator('#source-ssh-auth').selectOption('key')
}

test('served to a browser, the path fields are typed: a hint under each, no Browse… button', async ({ page }) => {
  const watch = await watchConsole(page)
  await openPathFields(page)
  for (const field of ['ca', 'cert', 'key', 'ssh-key']) {
    await expect(page.locator(`#source-${field}-hint`)).toContainText("Type the file's full path")
    await expect(page.locator(`#source-${field}`)).toHaveAttribute(
      'aria-describedby',
      new RegExp(`source-${field}-hint`),
    )
  }
  // The CA hint keeps what an empty field means.
  await expect(page.locator('#source-ca-hint')).toContainText("system's trusted CAs")
  await expect(page.getByRole('button', { name: /Browse/ })).toHaveCount(0)
  await page.locator('#source-ca').fill('/etc/ssl/certs/ca.pem')
  await expect(page.locator('#source-ca')).toHaveValue('/etc/ssl/certs/ca.pem')
  await shoot(page, 'wizard-1-connections-paths-browser')
  expect(watch.cspViolations).toEqual([])
  expect(watch.errors).toEqual([])
})

test('with native dialogs, Browse… fills the path, a cancel keeps it, and the field stays editable', async ({
  page,
}) => {
  const watch = await watchConsole(page)
  const asked: string[] = []
  const picks: Record<string, string | null> = {
    tlsCa: '/home/ops/certs/ca.pem',
    tlsCert: null,
    tlsKey: '/home/ops/certs/client-key.pem',
    sshKey: '/home/ops/.ssh/id_ed25519',
  }
  await page.routeWebSocket(/\/ws$/, (ws) => {
    const server = ws.connectToServer()
    const infoCalls = new Set<number>()
    ws.onMessage((raw) => {
      const message = JSON.parse(String(raw)) as BridgeClientMessage
      if (message.channel === 'dialog:openFile') {
        const purpose = (message.payload as { purpose: string }).purpose
        asked.push(purpose)
        const reply: BridgeServerMessage = {
          kind: 'result',
          id: message.id,
          envelope: { ok: true, value: { path: picks[purpose] ?? null } },
        }
        return ws.send(JSON.stringify(reply))
      }
      if (message.channel === 'app:info') infoCalls.add(message.id)
      server.send(raw)
    })
    server.onMessage((raw) => {
      const message = JSON.parse(String(raw)) as BridgeServerMessage
      if (message.kind === 'result' && infoCalls.has(message.id) && message.envelope.ok) {
        return ws.send(
          JSON.stringify({
            ...message,
            envelope: { ok: true, value: { ...(message.envelope.value as object), nativeDialogs: true } },
          }),
        )
      }
      ws.send(raw)
    })
  })
  await openPathFields(page)

  await page.getByRole('button', { name: 'Browse… for the CA certificate file' }).click()
  await expect(page.locator('#source-ca')).toHaveValue('/home/ops/certs/ca.pem')
  // Cancelled: the typed path stays.
  await page.locator('#source-cert').fill('/typed/client.pem')
  await page.getByRole('button', { name: 'Browse… for the client certificate file' }).click()
  await expect.poll(() => asked).toEqual(['tlsCa', 'tlsCert'])
  await expect(page.locator('#source-cert')).toHaveValue('/typed/client.pem')
  await page.getByRole('button', { name: 'Browse… for the client key file' }).click()
  await expect(page.locator('#source-key')).toHaveValue('/home/ops/certs/client-key.pem')
  await page.getByRole('button', { name: 'Browse… for the private key file' }).click()
  await expect(page.locator('#source-ssh-key')).toHaveValue('/home/ops/.ssh/id_ed25519')
  expect(asked).toEqual(['tlsCa', 'tlsCert', 'tlsKey', 'sshKey'])

  // Chosen paths can still be edited by hand, and there is no "type the path" hint here.
  await page.locator('#source-ca').fill('/home/ops/certs/other-ca.pem')
  await expect(page.locator('#source-ca')).toHaveValue('/home/ops/certs/other-ca.pem')
  await expect(page.locator('#source-ca-hint')).not.toContainText('full path')
  await expect(page.locator('#source-ssh-key-hint')).toHaveCount(0)
  await page.mouse.move(0, 0)
  await shoot(page, 'wizard-1-connections-paths-desktop')
  expect(watch.cspViolations).toEqual([])
  expect(watch.errors).toEqual([])
})
