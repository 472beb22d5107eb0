import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import type { Device, Site } from '../../domain/index.js'
import type { RouteContext } from '../context.js'
import { ApiError } from '../errors.js'
import { authOf } from '../plugins/auth.js'
import { offlineDevicesResponseSchema, offlineQuerySchema, statsQuerySchema, statsResponseSchema } from '../schemas-stats.js'
import { narrowScope, nameOf } from '../site-views.js'
import { computeStats } from '../stats.js'

const DAY_MS = 86_400_000
/** Default range: the last 30 days. At most a year per query: one bar per day stays readable. */
const DEFAULT_RANGE_MS = 30 * DAY_MS
const MAX_RANGE_MS = 366 * DAY_MS

export const statsRoutes: FastifyPluginAsyncZod<{ ctx: RouteContext }> = async (fastify, { ctx }) => {
  /** The registry's devices in scope, each with its site. */
  const devicesIn = (scope: string): Array<{ device: Device; site: Site }> => {
    const sites = new Map(ctx.db.listSites(scope).map((s) => [s.id, s]))
    const out: Array<{ device: Device; site: Site }> = []
    for (const device of ctx.db.listDevices()) {
      const site = sites.get(device.siteId)
      if (site !== undefined) out.push({ device, site })
    }
    return out
  }

  fastify.get(
    '/api/stats',
    {
      schema: {
        summary: 'Warnings by level, region and day; time to acknowledge; device online rate by county (default: last 30 days)',
        tags: ['stats'],
        querystring: statsQuerySchema,
        response: { 200: statsResponseSchema }
      }
    },
    async (req) => {
      const scope = narrowScope(authOf(req).user.region, req.query.region)
      // Outside the jurisdiction looks exactly like a region without sites (as /api/sites).
      const effective = scope ?? authOf(req).user.region
      const to = req.query.to ?? ctx.now()
      const from = req.query.from ?? to - DEFAULT_RANGE_MS
      if (from >= to) throw new ApiError(400, 'GH_ERR_BAD_REQUEST', 'from must be before to')
      if (to - from > MAX_RANGE_MS) throw new ApiError(400, 'GH_ERR_BAD_REQUEST', 'at most 366 days per query')
      const alerts = scope === undefined ? [] : ctx.db.listAlerts({ scope })
      const devices = scope === undefined ? [] : devicesIn(scope).map(({ device, site }) => ({ county: site.county, online: ctx.live.deviceSeen(device.id).online }))
      return computeStats({ scope: effective, from, to, alerts, devices, nameOf })
    }
  )

  fastify.get(
    '/api/devices/offline',
    {
      schema: {
        summary: 'Devices of the jurisdiction (or a region in it) that are not online now',
        tags: ['stats'],
        querystring: offlineQuerySchema,
        response: { 200: offlineDevicesResponseSchema }
      }
    },
    async (req) => {
      const scope = narrowScope(authOf(req).user.region, req.query.region)
      if (scope === undefined) return { total: 0, devices: [] }
      const all = devicesIn(scope)
      const devices = all.flatMap(({ device, site }) => {
        const seen = ctx.live.deviceSeen(device.id)
        if (seen.online === true) return []
        return [{ id: device.id, siteId: site.id, siteName: site.name, county: site.county, countyName: nameOf(site.county), online: seen.online, lastSeen: seen.lastSeen }]
      })
      return { total: all.length, devices: devices.sort((a, b) => a.county.localeCompare(b.county) || a.id.localeCompare(b.id)) }
    }
  )
}
