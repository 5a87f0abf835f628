import { describe, expect, it } from 'vitest'
import { ConfigError } from '../../src/config/format-issues.js'
import { loadEnv } from '../../src/config/env.js'
import { outboundQueueName } from '../../src/adapters/queue/outbound-queue.js'

describe('queue names and Redis keys for Redis Cluster', () => {
  it('puts every key under one hash tag: a prefix without braces gets them, one with braces is kept', () => {
    expect(loadEnv({}).BATON_QUEUE_PREFIX).toBe('{baton}')
    expect(loadEnv({ BATON_QUEUE_PREFIX: 'acme-prod' }).BATON_QUEUE_PREFIX).toBe('{acme-prod}')
    expect(loadEnv({ BATON_QUEUE_PREFIX: '{acme}' }).BATON_QUEUE_PREFIX).toBe('{acme}')
  })

  it('refuses a prefix that would split the hash tag', () => {
    for (const bad of ['{a}b', 'a{b}', '{a', 'a:b', '{}']) expect(() => loadEnv({ BATON_QUEUE_PREFIX: bad })).toThrow(ConfigError)
  })

  it('gives each account its own outbound queue; the one account of tenant.bot keeps "outbound"', () => {
    expect(outboundQueueName('default')).toBe('outbound')
    expect(outboundQueueName('a')).toBe('outbound-a')
  })
})
