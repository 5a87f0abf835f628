import { describe, expect, it } from 'vitest'
import { writeFileSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { growthSchema, loadGrowth } from '../../src/config/growth-schema.js'
import type { GrowthConfig } from '../../src/domain/growth/growth-config.js'
import { ConfigError } from '../../src/config/format-issues.js'
import { findTag, planTagAdd } from '../../src/domain/growth/tag-plan.js'
import { groupTypeOf, rulesFiring, silentSince } from '../../src/domain/growth/tag-rules.js'
import { loadTenant } from '../../src/config/load-tenant.js'

const cfg: GrowthConfig = growthSchema.parse({
  dimensions: [
    { key: 'lifecycle', name: '生命周期', exclusive: true, stage: true },
    { key: 'value', name: '价值' },
  ],
  tags: [
    { name: '新客', dimension: 'lifecycle' },
    { name: '沉睡', dimension: 'lifecycle' },
    { name: 'VIP', dimension: 'value' },
    { name: '会员', dimension: 'value' },
  ],
  rules: [
    { id: 'join', when: { event: 'joined_group', groupType: 'club' }, addTag: '会员' },
    { id: 'kw', when: { event: 'message', keywords: ['团购'] }, addTag: 'VIP' },
    { id: 'complaint', when: { event: 'complaint_case' }, addTag: '沉睡' },
    { id: 'dormant', when: { event: 'nightly', silentDays: 30 }, addTag: '沉睡' },
  ],
  groupTypes: [{ key: 'club', name: '俱乐部', groups: ['members'], welcome: '欢迎{name}' }],
})

describe('tag plans: exclusive dimensions, unknown and repeated tags', () => {
  it('an exclusive dimension gives way; a plain one keeps both', () => {
    expect(
      planTagAdd(
        cfg,
        [
          { tag: '新客', dimension: 'lifecycle' },
          { tag: 'VIP', dimension: 'value' },
        ],
        '沉睡',
      ),
    ).toEqual({ kind: 'add', tag: '沉睡', dimension: 'lifecycle', replaces: ['新客'] })
    expect(planTagAdd(cfg, [{ tag: 'VIP', dimension: 'value' }], '会员')).toEqual({ kind: 'add', tag: '会员', dimension: 'value', replaces: [] })
  })
  it('a tag already carried changes nothing; an unknown one is refused; Latin names match in any case', () => {
    expect(planTagAdd(cfg, [{ tag: 'VIP', dimension: 'value' }], 'vip')).toEqual({ kind: 'already', tag: 'VIP' })
    expect(planTagAdd(cfg, [], '金牌')).toEqual({ kind: 'unknown_tag', tag: '金牌' })
    expect(findTag(cfg, 'ＶＩＰ')?.name).toBe('VIP')
  })
})

describe('rules on events', () => {
  it("a join fires only for a group of the rule's type", () => {
    expect(rulesFiring(cfg, { event: 'joined_group', groupKey: 'members' }).map((r) => r.id)).toEqual(['join'])
    expect(rulesFiring(cfg, { event: 'joined_group', groupKey: 'cust-zhang' })).toEqual([])
    expect(groupTypeOf(cfg, 'members')?.key).toBe('club')
  })
  it('a keyword rule matches inside the text, after normalising width', () => {
    expect(rulesFiring(cfg, { event: 'message', text: '你们有团购价吗？' }).map((r) => r.id)).toEqual(['kw'])
    expect(rulesFiring(cfg, { event: 'message', text: '什么时候到货' })).toEqual([])
  })
  it('a complaint on a case fires complaint rules only; nightly rules never fire on events', () => {
    expect(rulesFiring(cfg, { event: 'complaint_case', caseId: 3 }).map((r) => r.id)).toEqual(['complaint'])
  })
  it('silentSince is whole days before now', () => {
    expect(silentSince(new Date('2026-12-31T00:00:00Z'), 30).toISOString()).toBe('2026-12-01T00:00:00.000Z')
  })
})

describe('config/growth.yaml validation', () => {
  const tenant = loadTenant('config/sandbox.yaml')
  const write = (text: string) => {
    const file = join(mkdtempSync(join(tmpdir(), 'growth-')), 'growth.yaml')
    writeFileSync(file, text)
    return file
  }
  const problems = (text: string): string[] => {
    try {
      loadGrowth(write(text), tenant)
    } catch (err) {
      if (err instanceof ConfigError) return err.problems
      throw err
    }
    return []
  }

  it("the repository's file is valid", () => {
    expect(loadGrowth('config/growth.yaml', tenant).groupTypes.map((t) => t.key)).toEqual(['community', 'service'])
  })
  it('names the path and what was expected for broken references', () => {
    const out = problems(`
dimensions: [{ key: life, name: 生命周期, stage: true }]
tags: [{ name: 新客, dimension: lifecycle }]
rules: [{ id: r1, when: { event: joined_group, groupType: nope }, addTag: 老客 }]
groupTypes: [{ key: t, name: T, groups: [internal, nowhere] }]
`)
    expect(out.map((p) => p.replace(/^.*growth\.yaml: /, ''))).toEqual([
      'dimensions[0].stage — a stage dimension that is also exclusive (a contact has one stage)',
      'tags[0].dimension — a declared dimension key, got "lifecycle"',
      'groupTypes[0].groups[0] — a customer or public_customer group, got internal group "internal"',
      'groupTypes[0].groups[1] — a declared group key, got "nowhere"',
      'rules[0].addTag — a declared tag name, got "老客"',
      'rules[0].when.groupType — a declared group type key, got "nope"',
    ])
  })
  it('rejects an unknown rule event and a bad nightly time with the field named', () => {
    const out = problems(`
nightlyAt: "25:00"
rules: [{ id: r1, when: { event: birthday }, addTag: x }]
`)
    expect(out.some((p) => p.includes('nightlyAt') && p.includes('HH:MM'))).toBe(true)
    expect(out.some((p) => p.includes('rules[0].when.event'))).toBe(true)
  })
})
