import mqtt, { type MqttClient } from 'mqtt'
import type { Logger } from 'pino'
import { topics, type ServiceHealth } from '../domain/index.js'

export interface HealthReportOptions {
  mqttUrl: string
  mqttUsername: string
  mqttPassword: string
  /** The ingest's MQTT client id: stable, so a restarted ingest replaces its own report. */
  instance: string
  everyMs: number
  stats: () => Record<string, unknown>
  now: () => number
}

export interface HealthReport {
  close(): Promise<void>
}

/**
 * Publishes ingest's stats (spool size and age among them) retained on `gh/sys/ingest/{instance}`
 * every `everyMs`, with a retained last will saying offline, so that a dashboard in another
 * process (docker-compose) shows them on its health page and /metrics.
 *
 * Its own connection, not the consumer's: the consumer stops reading its socket when the store is
 * slow (back-pressure), which is exactly when the report matters. QoS 0: the next report replaces a
 * lost one, and the broker keeps the last one retained.
 */
export function startHealthReport(opts: HealthReportOptions, log: Logger): HealthReport {
  const topic = topics.serviceHealth('ingest', opts.instance)
  const report = (online: boolean, withStats: boolean): string => {
    const h: ServiceHealth = { service: 'ingest', instance: opts.instance, online, at: opts.now() }
    if (withStats) h.stats = opts.stats()
    return JSON.stringify(h)
  }
  const client: MqttClient = mqtt.connect(opts.mqttUrl, {
    clientId: `${opts.instance}-health`.slice(0, 64),
    username: opts.mqttUsername,
    password: opts.mqttPassword,
    clean: true,
    reconnectPeriod: 1000,
    will: { topic, payload: Buffer.from(report(false, false)), qos: 1, retain: true }
  })
  // The consumer logs the broker's state; here one line per failure kind is enough.
  let lastError = ''
  client.on('error', (err) => {
    if (err.message !== lastError) log.warn({ err }, 'health report connection error')
    lastError = err.message
  })
  const publish = (): void => {
    if (!client.connected) return
    client.publish(topic, report(true, true), { qos: 0, retain: true })
  }
  client.on('connect', () => {
    lastError = ''
    publish()
  })
  const timer = setInterval(publish, opts.everyMs)
  timer.unref()
  return {
    async close() {
      clearInterval(timer)
      if (client.connected) await client.publishAsync(topic, report(false, false), { qos: 1, retain: true }).catch(() => undefined)
      await client.endAsync()
    }
  }
}
