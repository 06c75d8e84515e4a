/** Exposes window.api, built from the contract; nothing else crosses into the page. */
import { contextBridge, ipcRenderer } from 'electron'
import { buildApi } from './buildApi'

contextBridge.exposeInMainWorld('api', buildApi(ipcRenderer))
