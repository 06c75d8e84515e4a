/**
 * Zod compiles object parsers with `new Function` unless told not to. The page's CSP forbids eval, and even
 * zod's try/catch probe for it is reported as a `securitypolicyviolation`. main.tsx imports this module first,
 * so the setting is in place before the contract builds its schemas (zod decides per schema when it is made).
 */
import { z } from 'zod'

z.config({ jitless: true })
