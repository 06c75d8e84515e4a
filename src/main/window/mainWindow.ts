/**
 * The one BrowserWindow, with its security settings as code: isolated, sandboxed, no Node in the page,
 * a CSP on every response, navigation and window.open refused, permission requests denied.
 */
import { join } from 'node:path'
import { BrowserWindow, session, shell } from 'electron'
import type { IpcMainInvokeEvent } from 'electron'
import { contentSecurityPolicy } from './contentSecurityPolicy'
import { isAllowedExternalUrl } from './externalLinks'

export interface MainWindow {
  window: BrowserWindow
  isTrustedSender(event: Pick<IpcMainInvokeEvent, 'senderFrame' | 'sender'>): boolean
}

export function createMainWindow(): MainWindow {
  const devUrl = process.env['ELECTRON_RENDERER_URL']
  const rendererUrl = devUrl ?? `file://${join(__dirname, '../renderer/index.html')}`

  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({
      responseHeaders: {
        ...details.responseHeaders,
        'Content-Security-Policy': [contentSecurityPolicy({ dev: Boolean(devUrl) })],
      },
    })
  })
  // Only writing plain text to the clipboard (the "copy fix" buttons); every other permission is refused.
  const allowed = new Set(['clipboard-sanitized-write'])
  session.defaultSession.setPermissionRequestHandler((_contents, permission, callback) => callback(allowed.has(permission)))
  session.defaultSession.setPermissionCheckHandler((_contents, permission) => allowed.has(permission))

  const window = new BrowserWindow({
    width: 1280,
    height: 820,
    minWidth: 960,
    minHeight: 640,
    show: false,
    title: 'Cutover',
    webPreferences: {
      preload: join(__dirname, '../preload/index.js'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      spellcheck: false,
    },
  })

  window.webContents.on('will-navigate', (event, url) => {
    if (url !== window.webContents.getURL()) event.preventDefault()
  })
  window.webContents.on('will-attach-webview', (event) => event.preventDefault())
  window.webContents.setWindowOpenHandler(({ url }) => {
    if (isAllowedExternalUrl(url)) void shell.openExternal(url)
    return { action: 'deny' }
  })
  window.once('ready-to-show', () => window.show())

  if (devUrl) void window.loadURL(devUrl)
  else void window.loadFile(join(__dirname, '../renderer/index.html'))

  return {
    window,
    isTrustedSender(event) {
      const frame = event.senderFrame
      if (!frame || event.sender !== window.webContents || frame !== window.webContents.mainFrame) return false
      return frame.url.startsWith(devUrl ?? rendererUrl)
    },
  }
}
