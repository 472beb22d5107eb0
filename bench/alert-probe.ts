import mqtt from 'mqtt'
import { filters, topics } from '../domain/index.js'
import { epochMs } from './load.js'
import { SERVICE_SECRET } from './pipeline-rig.js'

export interface AlertProbe {
  /** Stops sending and disconnects; the latency of every alert that arrived, in ms. Safe to call twice. */
  stop(): Promise<number[]>
}

/**
 * The warning path through our broker while readings load it: svc:rules publishes an alert (QoS 1)
 * every `intervalMs`, svc:dashboard receives it; latency is publish → message event. Both clients
 * live in the process under test, as they do in the embedded default.
 */
export async function startAlertProbe(url: string, intervalMs: number): Promise<AlertProbe> {
  const service = (role: 'rules' | 'dashboard') => mqtt.connectAsync(url, { clientId: `bench-probe-${role}`, username: `svc:${role}`, password: SERVICE_SECRET, reconnectPeriod: 0 })
  const rules = await service('rules')
  const dashboard = await service('dashboard')
  await dashboard.subscribeAsync(filters.alerts(), { qos: 1 })
  const latenciesMs: number[] = []
  dashboard.on('message', (_topic, payload) => {
    latenciesMs.push(epochMs() - (JSON.parse(payload.toString()) as { sentAtMs: number }).sentAtMs)
  })
  const topic = topics.alert({ prov: '51', county: '511702', siteId: 'bench-probe' })
  let sent = 0
  const timer = setInterval(() => {
    sent += 1
    rules.publish(topic, JSON.stringify({ probe: sent, sentAtMs: epochMs() }), { qos: 1 })
  }, intervalMs)
  let stopped: Promise<number[]> | undefined
  return {
    stop: () =>
      (stopped ??= (async () => {
        clearInterval(timer)
        await Promise.all([rules.endAsync(), dashboard.endAsync()])
        return latenciesMs
      })())
  }
}
