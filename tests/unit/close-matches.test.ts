import { describe, expect, it } from 'vitest'
import { closeMatches } from '../../src/domain/close-matches.js'

const customers = [
  { label: '张先生', names: ['张先生', 'zhang', '老张', '张总', 'DD20261101001'] },
  { label: '赵女士', names: ['赵女士', 'zhao', '赵姐', 'DD20261102007'] },
  { label: '张小姐', names: ['张小姐', 'zhangx'] },
]

describe('closeMatches: whom a mistyped customer reference may have meant', () => {
  it.each([
    ['张先森', ['张先生']],
    ['赵女', ['赵女士']],
    ['老章', ['张先生']],
    ['DD20261101002', ['张先生']],
    ['zhng', ['张先生']],
    ['张', ['张先生', '张小姐']],
  ])('%s → %j', (ref, expected) => {
    expect(closeMatches(ref, customers)).toEqual(expected)
  })

  it('says nothing when nothing is close, or nothing was typed', () => {
    expect(closeMatches('王大锤', customers)).toEqual([])
    expect(closeMatches('   ', customers)).toEqual([])
  })

  it('lists at most the limit, the closest first', () => {
    expect(closeMatches('张', customers, 1)).toEqual(['张先生'])
  })
})
