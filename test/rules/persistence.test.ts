import { describe, expect, test } from 'vitest'
import { LevelHistory } from '../../rules/persistence.js'

describe('k-of-n persistence (3 of the last 5, domain.md §3)', () => {
  test.each<[string, number[], number]>([
    ['no ratings', [], 0],
    ['2 exceedances → no rise', [2, 0, 2, 0, 0], 0],
    ['3 exceedances → rise', [2, 0, 2, 0, 2], 2],
    ['3 in a row', [3, 3, 3], 3],
    ['mixed levels: 3rd highest counts', [4, 1, 3, 0, 2], 2],
    ['old exceedances slide out', [3, 3, 3, 0, 0, 0], 0],
    ['2 of the last 5 after 3 earlier → none', [3, 3, 3, 0, 0, 0, 3, 3], 0],
    ['one spike among calm', [0, 0, 4, 0, 0], 0]
  ])('%s: %j → rank %s', (_name, ratings, expected) => {
    const h = new LevelHistory(3, 5)
    for (const r of ratings) h.push(r)
    expect(h.persistentRank()).toBe(expected)
  })

  test('k = 1 of n = 1 rates the latest only', () => {
    const h = new LevelHistory(1, 1)
    h.push(3)
    expect(h.persistentRank()).toBe(3)
    h.push(1)
    expect(h.persistentRank()).toBe(1)
  })
})
