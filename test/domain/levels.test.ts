import { expect, test } from 'vitest'
import { dztCodeToLevel, levelAbove, levelToDztCode, maxLevel, type SiteLevel } from '../../domain/levels.js'
import { encodeDztCommand, parseDztCommand } from '../../domain/commands.js'

// domain.md §2: level codes in commands run backwards.
test.each<[SiteLevel, number]>([
  ['red', 0],
  ['orange', 1],
  ['yellow', 2],
  ['blue', 3],
  ['none', 4]
])('%s is DZ/T level code %i and back', (level, code) => {
  expect(levelToDztCode(level)).toBe(code)
  expect(dztCodeToLevel(code)).toBe(level)
})

test('unknown DZ/T level codes map to nothing', () => {
  expect(dztCodeToLevel(5)).toBeUndefined()
  expect(dztCodeToLevel(-1)).toBeUndefined()
})

test.each<[SiteLevel, SiteLevel, SiteLevel]>([
  ['none', 'blue', 'blue'],
  ['orange', 'yellow', 'orange'],
  ['red', 'red', 'red']
])('max(%s, %s) = %s', (a, b, m) => expect(maxLevel(a, b)).toBe(m))

test('levelAbove clamps at both ends', () => {
  expect(levelAbove('orange', 1)).toBe('red')
  expect(levelAbove('red', 1)).toBe('red')
  expect(levelAbove('blue', -3)).toBe('none')
})

test('DZ/T commands carry the reversed level code, the api key and the msgid', () => {
  expect(encodeDztCommand({ cmd: 'alarm', point: 'L1_GP_1', level: 'red' }, 'k1', '42').toString()).toBe(
    '$cmd=alarm&type=L1_GP_1&level=0&apikey=k1&msgid=42'
  )
  expect(encodeDztCommand({ cmd: 'setworkmode', mode: 2 }, 'k1', '43').toString()).toBe('$cmd=setworkmode&mode=2&apikey=k1&msgid=43')
})

test('device replies parse', () => {
  expect(parseDztCommand('$cmd=setworkmode&result=succ')).toEqual({ ok: true, value: { name: 'setworkmode', params: { result: 'succ' } } })
  expect(parseDztCommand('cmd=x').ok).toBe(false)
  expect(parseDztCommand('$cmd=x&broken').ok).toBe(false)
})
