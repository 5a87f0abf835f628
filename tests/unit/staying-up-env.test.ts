import { describe, expect, it } from 'vitest'
import { loadEnv } from '../../src/config/env.js'
import { alertChannels } from '../../src/main/staying-up.js'

describe('staying-up settings from the environment', () => {
  it('have working defaults and no alert channel unless one is configured', () => {
    const env = loadEnv({})
    expect(env).toMatchObject({ BATON_WATCHDOG_SILENT_MS: 180_000, BATON_ALERT_AFTER_MS: 300_000, BATON_DUPLICATE_WINDOW_MS: 10_000, BATON_THROTTLE_REPORT_AFTER: 3, BATON_SEND_IN_DOUBT_AFTER_MS: 120_000 })
    expect(alertChannels(env)).toEqual([])
  })

  it('treat empty compose variables as unset', () => {
    expect(alertChannels(loadEnv({ BATON_ALERT_WEBHOOK_URL: '', BATON_ALERT_WECOM_WEBHOOK_KEY: '' }))).toEqual([])
  })

  it('enable each channel by its variable', () => {
    const names = alertChannels(loadEnv({ BATON_ALERT_WEBHOOK_URL: 'https://example.org/hook', BATON_ALERT_WECOM_WEBHOOK_KEY: 'k' })).map((c) => c.name)
    expect(names).toEqual(['wecom-robot', 'http-webhook'])
  })

  it('refuse nonsense with the variable named', () => {
    expect(() => loadEnv({ BATON_WATCHDOG_SILENT_MS: '10' })).toThrow(/BATON_WATCHDOG_SILENT_MS/)
    expect(() => loadEnv({ BATON_ALERT_WEBHOOK_URL: 'not a url' })).toThrow(/BATON_ALERT_WEBHOOK_URL/)
  })
})
