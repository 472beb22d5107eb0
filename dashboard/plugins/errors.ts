import type { FastifyError, FastifyInstance } from 'fastify'
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod'
import { ApiError, codeForStatus } from '../errors.js'
import type { RejectCounter } from '../rejects.js'

/**
 * The one error handler (style.md "Boundaries"): our ApiErrors and Fastify's 4xx pass through with
 * a stable GH_ERR_* code and their message; anything else is a 5xx, logged in full and masked.
 */
export function installErrorHandler(fastify: FastifyInstance, rejects: RejectCounter): void {
  fastify.setErrorHandler((err: FastifyError | ApiError, req, reply) => {
    if (err instanceof ApiError) {
      return reply.code(err.statusCode).send({ code: err.code, message: err.message })
    }
    if (hasZodFastifySchemaValidationErrors(err)) {
      rejects.reject('http:validation', err.message, { method: req.method, url: req.url.slice(0, 200) })
      return reply.code(400).send({ code: 'GH_ERR_BAD_REQUEST', message: err.message })
    }
    const status = err.statusCode ?? 500
    if (status >= 400 && status < 500) {
      rejects.reject(`http:${status}`, err.message, { method: req.method, url: req.url.slice(0, 200) })
      return reply.code(status).send({ code: codeForStatus(status), message: err.message })
    }
    req.log.error({ err }, 'request failed')
    return reply.code(500).send({ code: 'GH_ERR_INTERNAL', message: 'internal error' })
  })
}
