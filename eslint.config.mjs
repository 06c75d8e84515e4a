// Lint, with the process boundaries of STYLE.md as rules: only the Electron shell may import electron,
// shared imports nothing host-specific, and the renderer never reaches into main or preload.
import js from '@eslint/js'
import tseslint from 'typescript-eslint'
import globals from 'globals'

const electronShell = [
  'src/main/index.ts',
  'src/main/window/mainWindow.ts',
  'src/main/ipc/register.ts',
  'src/main/secrets/**',
  'src/main/desktop/**',
  'src/preload/**',
]

const noElectron = {
  name: 'electron',
  message: 'Only the Electron shell (index, window, ipc/register, secrets, desktop, preload) may import electron.',
}
const nodeBuiltins = {
  group: ['node:*', 'fs', 'path', 'os', 'net', 'child_process', 'crypto'],
  message: 'shared/ and the renderer run in the page: no Node built-ins.',
}

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', 'test-results/**', 'playwright-report/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      'no-restricted-imports': ['error', { paths: [noElectron] }],
    },
  },
  {
    files: electronShell,
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    files: ['src/shared/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [noElectron, { name: 'react', message: 'shared/ is host-neutral.' }],
          patterns: [
            nodeBuiltins,
            { regex: '^(\\.\\./)+(main|renderer|preload)(/|$)', message: 'shared/ imports nothing of the app.' },
          ],
        },
      ],
    },
  },
  {
    files: ['src/main/engine/**', 'src/main/store/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [noElectron],
          patterns: [
            {
              regex: '^(\\.\\./)+(ipc|bridge|cli|window|secrets|renderer|preload)(/|$)',
              message: 'The engine and the store depend only on shared/ and each other.',
            },
          ],
        },
      ],
    },
  },
  {
    // The vocabulary every stage shares (table references, quoting, the column catalog, the SQL tokenizer, the
    // row-identity rule) imports no stage, so any stage may import it.
    files: ['src/main/engine/vocabulary/**'],
    ignores: ['src/main/engine/vocabulary/**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [noElectron],
          patterns: [
            {
              regex: '^(\\.\\./)+(ipc|bridge|cli|window|secrets|renderer|preload)(/|$)',
              message: 'The engine and the store depend only on shared/ and each other.',
            },
            {
              regex:
                '^\\.\\./(snapshot|schema|existing|incremental|replicate|dump|load|precheck|validate|cutover|report|jobRunner|engine)(/|$)',
              message: 'The shared vocabulary imports no stage.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/renderer/**'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [noElectron],
          patterns: [
            nodeBuiltins,
            { regex: '^(\\.\\./)+(main|preload)(/|$)', message: 'The renderer talks to main only through api.ts.' },
          ],
        },
      ],
    },
  },
)
