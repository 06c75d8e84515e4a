/**
 * Reads and checks the CA, client certificate and key named in a profile before any connection is made, so
 * that a wrong file is reported as "this file, this problem" instead of an opaque handshake failure later.
 * File contents stay in main: only paths and certificate facts appear in errors.
 */
import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import type { ConnectionProfile } from '../../../shared/domain/connection'
import { CutoverError } from '../../../shared/domain/errors'

export interface TlsMaterial {
  /** PEM text of the CA bundle, or undefined to use Node's bundled root CAs. */
  ca?: string
  cert?: string
  key?: string
}

type FileRole = 'CA certificate' | 'client certificate' | 'client key'

function fileError(role: FileRole, path: string, problem: string, fix: string): CutoverError {
  return new CutoverError({
    code: 'CONN_TLS_FILE',
    message: `The ${role} file ${path} ${problem}`,
    workaround: fix,
  })
}

async function readPem(role: FileRole, path: string): Promise<string> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    const problem =
      code === 'ENOENT'
        ? 'does not exist.'
        : code === 'EACCES'
          ? 'cannot be read (permission denied).'
          : `cannot be read (${code ?? 'error'}).`
    throw fileError(role, path, problem, `Check the path of the ${role} in the connection's TLS settings.`)
  }
  if (!text.includes('-----BEGIN ')) {
    throw fileError(
      role,
      path,
      'is not a PEM file (no "-----BEGIN" line).',
      `Export the ${role} in PEM format (text starting with "-----BEGIN"); convert DER with \`openssl x509 -inform der -in file -out file.pem\`.`,
    )
  }
  return text
}

const pemCertificateBlock = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g

function parseCertificates(role: FileRole, path: string, text: string): X509Certificate[] {
  const blocks = text.match(pemCertificateBlock) ?? []
  if (blocks.length === 0) {
    throw fileError(
      role,
      path,
      'contains no "BEGIN CERTIFICATE" block.',
      role === 'CA certificate'
        ? 'Point the CA setting at the certificate authority file your provider publishes (e.g. ca.pem), not at a key.'
        : 'Point the client certificate setting at the certificate (client-cert.pem), not at the key.',
    )
  }
  return blocks.map((block, index) => {
    try {
      return new X509Certificate(block)
    } catch (error) {
      throw fileError(
        role,
        path,
        `has a malformed certificate${blocks.length > 1 ? ` (block ${index + 1} of ${blocks.length})` : ''}: ${(error as Error).message}.`,
        `Download or export the ${role} again; the PEM text is damaged.`,
      )
    }
  })
}

function validityProblem(cert: X509Certificate, now: Date): string | null {
  const from = new Date(cert.validFrom)
  const to = new Date(cert.validTo)
  if (now < from) return `is not valid yet (valid from ${from.toISOString()})`
  if (now > to) return `expired on ${to.toISOString()}`
  return null
}

function subjectName(cert: X509Certificate): string {
  return /CN=([^\n,]+)/.exec(cert.subject)?.[1] ?? cert.subject.replace(/\n/g, ', ')
}

/** The checked TLS material for `tls`, or none when TLS is off; throws CONN_TLS_FILE naming the file at fault. */
export async function loadTlsMaterial(tls: ConnectionProfile['tls'], now: Date = new Date()): Promise<TlsMaterial> {
  if (tls.mode === 'off') return {}
  const material: TlsMaterial = {}

  if (tls.ca) {
    const text = await readPem('CA certificate', tls.ca)
    const certificates = parseCertificates('CA certificate', tls.ca, text)
    // A bundle may carry a few retired roots; it is only useless when none of them is valid today.
    const problems = certificates.map((cert) => validityProblem(cert, now))
    if (problems.every((problem) => problem !== null)) {
      throw fileError(
        'CA certificate',
        tls.ca,
        `${certificates.length === 1 ? `(${subjectName(certificates[0]!)}) ${problems[0]}` : `has no certificate valid today (first: ${problems[0]})`}.`,
        'Download the current CA certificate from your database provider, or ask its administrator for the renewed one.',
      )
    }
    material.ca = text
  }

  if (tls.cert && !tls.key) {
    throw fileError(
      'client certificate',
      tls.cert,
      'is set without a client key.',
      'Set the client key file too, or clear both.',
    )
  }
  if (tls.key && !tls.cert) {
    throw fileError(
      'client key',
      tls.key,
      'is set without a client certificate.',
      'Set the client certificate file too, or clear both.',
    )
  }
  if (tls.cert && tls.key) {
    const certText = await readPem('client certificate', tls.cert)
    const [cert] = parseCertificates('client certificate', tls.cert, certText)
    const problem = validityProblem(cert!, now)
    if (problem) {
      throw fileError(
        'client certificate',
        tls.cert,
        `(${subjectName(cert!)}) ${problem}.`,
        'Issue a new client certificate (and key) from your CA and point the connection at it.',
      )
    }
    const keyText = await readPem('client key', tls.key)
    let key: KeyObject
    try {
      key = createPrivateKey(keyText)
    } catch (error) {
      const reason = (error as Error).message
      const encrypted = /passphrase|encrypted|bad decrypt/i.test(reason) || keyText.includes('ENCRYPTED')
      throw fileError(
        'client key',
        tls.key,
        encrypted ? 'is encrypted with a passphrase.' : `is not a readable private key: ${reason}.`,
        encrypted
          ? `Store it unencrypted for Cutover (\`openssl pkey -in ${tls.key} -out client-key.pem\`) and protect the file with permissions.`
          : 'Export the private key again in PEM format (PKCS#8 "BEGIN PRIVATE KEY" or "BEGIN RSA PRIVATE KEY").',
      )
    }
    if (!cert!.checkPrivateKey(key)) {
      throw fileError(
        'client key',
        tls.key,
        `does not belong to the client certificate ${tls.cert} (${subjectName(cert!)}).`,
        'Use the key file that was generated together with this certificate.',
      )
    }
    material.cert = certText
    material.key = keyText
  }
  return material
}
