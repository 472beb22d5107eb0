import { existsSync } from 'node:fs'
import { join } from 'node:path'
import fastifyStatic from '@fastify/static'
import type { FastifyInstance } from 'fastify'

const NOT_BUILT_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>GeoWarn</title></head>
<body><h1>GeoWarn</h1><p>The web app is not built. Run <code>npm run build</code>; the API is at <a href="/api/docs">/api/docs</a>.</p></body></html>
`

/**
 * The browser app (Vite output) at `/`, with the single-page fallback: a GET for any other path
 * that is not a file and not under /api or /socket.io gets index.html. JSON 404 for the API.
 */
export async function installWeb(fastify: FastifyInstance, webRoot: string): Promise<{ built: boolean }> {
  const built = existsSync(join(webRoot, 'index.html'))
  if (built) await fastify.register(fastifyStatic, { root: webRoot, prefix: '/' })
  else fastify.log.warn({ webRoot }, 'web app not built; serving a placeholder page')

  fastify.setNotFoundHandler((req, reply) => {
    const path = req.url.split('?', 1)[0] ?? req.url
    // A missing file (`/assets/old-hash.js`, `/favicon.ico`) is a 404, not the page: a stale
    // bundle must fail visibly rather than be fed HTML.
    const lastSegment = path.slice(path.lastIndexOf('/') + 1)
    const isPage =
      (req.method === 'GET' || req.method === 'HEAD') &&
      !path.startsWith('/api/') &&
      path !== '/api' &&
      !path.startsWith('/socket.io') &&
      !lastSegment.includes('.')
    if (!isPage) return reply.code(404).send({ code: 'GH_ERR_NOT_FOUND', message: `no route ${req.method} ${path}` })
    if (built) return reply.code(200).sendFile('index.html')
    return reply.code(200).type('text/html; charset=utf-8').send(NOT_BUILT_PAGE)
  })
  return { built }
}
