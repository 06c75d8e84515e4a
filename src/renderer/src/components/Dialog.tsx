/**
 * A modal on the native <dialog>: the browser traps focus, closes on Escape and restores focus to the
 * opener, which is the keyboard behaviour a desktop dialog needs without a focus-trap library.
 */
import { useEffect, useRef, type ReactNode } from 'react'

export interface DialogProps {
  title: string
  open: boolean
  onClose: () => void
  children: ReactNode
  footer: ReactNode
  tone?: 'danger' | 'normal'
}

export function Dialog({ title, open, onClose, children, footer, tone = 'normal' }: DialogProps) {
  const ref = useRef<HTMLDialogElement>(null)
  const titleId = `dialog-${title.replace(/\W+/g, '-').toLowerCase()}`

  useEffect(() => {
    const dialog = ref.current
    if (!dialog) return
    if (open && !dialog.open) dialog.showModal()
    if (!open && dialog.open) dialog.close()
  }, [open])

  return (
    <dialog
      ref={ref}
      className={`dialog dialog-${tone}`}
      aria-labelledby={titleId}
      onClose={onClose}
      onCancel={(e) => {
        e.preventDefault()
        onClose()
      }}
    >
      {open && (
        <>
          <h2 id={titleId} className="dialog-title">
            {title}
          </h2>
          <div className="dialog-body">{children}</div>
          <div className="dialog-footer">{footer}</div>
        </>
      )}
    </dialog>
  )
}
