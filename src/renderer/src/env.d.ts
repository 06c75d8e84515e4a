import type { CutoverTransport } from '../../shared/ipc/contract'

declare global {
  interface Window {
    /** Present in the Electron window (preload); absent when served by `cutover serve`. */
    api?: CutoverTransport
  }
}
export {}
