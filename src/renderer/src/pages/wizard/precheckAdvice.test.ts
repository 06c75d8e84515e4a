import { describe, expect, it } from 'vitest'
import { failedBanner } from './precheckAdvice'

describe('the banner over failed precheck items', () => {
  const server = { fix: "SET GLOBAL binlog_format = 'ROW';" }
  const setting = {
    fix: '',
    actions: [{ kind: 'setting' as const, setting: 'mode' as const, value: 'logical', join: 'or' as const }],
  }
  const either = { fix: 'TRUNCATE TABLE `a`.`b`;', actions: setting.actions }

  it('says servers only when every fix is on a server', () => {
    expect(failedBanner([server])).toMatch(/^Fix the failed items on the servers, then choose Check again/)
  })

  it("points at the job's settings when a fix is a wizard choice", () => {
    expect(failedBanner([setting])).toMatch(/^Change the job's settings as each failed item says/)
    expect(failedBanner([setting])).not.toMatch(/servers/)
    expect(failedBanner([server, either])).toMatch(/^Fix the failed items on the servers, or change the job's settings/)
  })
})
