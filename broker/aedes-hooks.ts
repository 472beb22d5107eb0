import type { Aedes, AedesOptions, AuthenticateError, Client, PublishPacket } from 'aedes'
import type pino from 'pino'
import { topics, provincePrefix, type DevicePlacement, type Presence } from '../domain/index.js'
import type { PlatformDb } from '../store/platform-db.js'
import { canSubscribe, type Principal, type ServiceRole } from './acl.js'
import { authenticateConnect } from './auth.js'
import { principalName, rewritePublish, type DropReason } from './rewrite.js'

/**
 * The Aedes adapter: authentication, ACL, rewrite and presence wired into Aedes' hooks and
 * events. The decisions themselves live in the pure modules (auth.ts, acl.ts, rewrite.ts).
 */
export interface BrokerStats {
  /** Clients connected now. */
  connected: number
  /** Authenticated connections since start. */
  connections: number
  authFailures: number
  deniedPublishes: number
  deniedSubscribes: number
  forgedDpFrames: number
  /** `$dp` frames whose device key could not be read, so their identity could not be checked. */
  unverifiableDpFrames: number
  rewritten: number
}

/**
 * Where a refused publish goes. No ACL row lets anyone subscribe to it, a `#` subscription never
 * matches a `$` topic [MQTT-4.7.2-1], and authorizeForward drops it as well.
 */
export const SINK_TOPIC = '$geowarn/dropped'

export interface HookDeps {
  db: Pick<PlatformDb, 'getPlacement' | 'verifyDeviceSecret'>
  log: pino.Logger
  now: () => number
  serviceSecret: (role: ServiceRole) => string
  /**
   * Called for every accepted device uplink, after the ACL and the rewrite, before Aedes
   * acknowledges or queues it: `proceed` lets it in (the broker's admission gate, app.ts). Absent:
   * let in at once.
   */
  admitUplink?: (client: Client, packet: PublishPacket, proceed: () => void) => void
}

export type BrokerHooks = Required<Pick<AedesOptions, 'authenticate' | 'authorizePublish' | 'authorizeSubscribe' | 'authorizeForward'>>

export interface AedesAdapter {
  hooks: BrokerHooks
  /** Subscribe to the broker's client events (presence, counters, logs). */
  attach(aedes: Aedes): void
  /** From now on, disconnects are the broker shutting down, not the device going away. */
  markClosing(): void
  stats(): BrokerStats
}

/** CONNACK return code 4: bad user name or password (MQTT 3.1.1 table 3.1). */
const BAD_USERNAME_OR_PASSWORD = 4

const DROP_COUNTER: Readonly<Record<DropReason, keyof BrokerStats>> = Object.freeze({
  'topic-not-allowed': 'deniedPublishes',
  'forged-dp-key': 'forgedDpFrames',
  'unverifiable-dp-frame': 'unverifiableDpFrames'
})

export function createAedesAdapter(deps: HookDeps): AedesAdapter {
  const { db, now, serviceSecret } = deps
  const log = deps.log.child({ module: 'broker-hooks' })
  const principals = new WeakMap<Client, Principal>()
  const counters: BrokerStats = {
    connected: 0,
    connections: 0,
    authFailures: 0,
    deniedPublishes: 0,
    deniedSubscribes: 0,
    forgedDpFrames: 0,
    unverifiableDpFrames: 0,
    rewritten: 0
  }
  let aedesRef: Aedes | undefined
  let closing = false

  const hooks: BrokerHooks = {
    authenticate(client, username, password, done) {
      const result = authenticateConnect({ clientId: client.id, username, password }, { db, serviceSecret })
      if (result.ok) {
        principals.set(client, result.value)
        done(null, true)
        return
      }
      counters.authFailures++
      log.warn({ clientId: client.id.slice(0, 64), username: username?.slice(0, 64), reason: result.reason }, 'connection refused')
      const err: AuthenticateError = Object.assign(new Error(`bad user name or password: ${result.reason}`), {
        returnCode: BAD_USERNAME_OR_PASSWORD
      })
      done(err, null)
    },

    // Aedes publishes exactly the packet object it passed here (lib/handlers/publish.js:
    // `runSeries(client, publishActions, packet, done)` runs authorizePublish then enqueuePublish
    // on it), so the rewrite changes `topic` and `payload` in place.
    authorizePublish(client, packet, done) {
      const principal = client === null ? undefined : principals.get(client)
      if (client === null || principal === undefined) {
        // An obsolete will with no client behind it: nobody vouches for it.
        sink(packet)
        done(null)
        return
      }
      const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload)
      const outcome = rewritePublish(principal, packet.topic, payload, now())
      if (outcome.action === 'forward') {
        if (principal.kind === 'device') {
          packet.topic = outcome.topic
          packet.payload = outcome.payload
          // A retained reading would be replayed to every new subscriber as if it were fresh.
          packet.retain = false
          counters.rewritten++
          if (deps.admitUplink !== undefined) {
            deps.admitUplink(client, packet, () => done(null))
            return
          }
        }
        done(null)
        return
      }
      counters[DROP_COUNTER[outcome.reason]]++
      log.warn(
        {
          clientId: client.id.slice(0, 64),
          principal: principalName(principal),
          topic: packet.topic.slice(0, 120),
          reason: outcome.reason,
          detail: outcome.detail,
          claimedKey: outcome.claimedKey
        },
        'publish dropped'
      )
      // Never `done(err)`: an error here closes the connection (docs/Aedes.md "authorizePublish"),
      // and one bad message must not disconnect a device. Instead the packet is redirected to a
      // sink nobody receives, and Aedes still acknowledges it: lib/handlers/publish.js
      // `case 1: write(client, new PubAck(packet), …) … client.broker.publish(packet, client, done)`,
      // so a QoS 1 device gets its PUBACK and does not resend the message forever.
      sink(packet)
      done(null)
    },

    authorizeSubscribe(client, sub, done) {
      const principal = principals.get(client)
      if (principal !== undefined && canSubscribe(principal, sub.topic)) {
        done(null, sub)
        return
      }
      counters.deniedSubscribes++
      log.warn({ clientId: client.id.slice(0, 64), principal: principal ? principalName(principal) : 'none', filter: sub.topic.slice(0, 120) }, 'subscription refused')
      // A null subscription is a SUBACK failure (0x80) for this filter only; an error would close the connection.
      done(null, null)
    },

    authorizeForward(_client, packet) {
      return packet.topic === SINK_TOPIC ? null : packet
    }
  }

  function sink(packet: PublishPacket): void {
    packet.topic = SINK_TOPIC
    packet.payload = Buffer.alloc(0)
    packet.retain = false
  }

  function publishPresence(placement: DevicePlacement, online: boolean): void {
    const aedes = aedesRef
    if (aedes === undefined) return
    const presence: Presence = { online, since: now() }
    const topic = topics.presence({
      prov: provincePrefix(placement.county),
      county: placement.county,
      siteId: placement.siteId,
      deviceId: placement.deviceId
    })
    aedes.publish({ cmd: 'publish', topic, payload: Buffer.from(JSON.stringify(presence)), qos: 1, retain: true, dup: false }, (err) => {
      if (err) log.error({ err, topic }, 'presence publish failed')
    })
  }

  function attach(aedes: Aedes): void {
    aedesRef = aedes
    aedes.on('clientReady', (client) => {
      counters.connections++
      const principal = principals.get(client)
      log.debug({ clientId: client.id, principal: principal ? principalName(principal) : 'none' }, 'client connected')
      if (principal?.kind === 'device') publishPresence(principal.placement, true)
    })
    // Aedes emits clientDisconnect from Client#close for every authorized client, whatever closed
    // it: DISCONNECT, socket end, keep-alive timeout ('keep alive timeout' error → close) or takeover.
    aedes.on('clientDisconnect', (client) => {
      const principal = principals.get(client)
      log.debug({ clientId: client.id, principal: principal ? principalName(principal) : 'none' }, 'client disconnected')
      // At shutdown the devices have not gone away; they will reconnect (to us or another node).
      if (principal?.kind === 'device' && !closing) publishPresence(principal.placement, false)
    })
    aedes.on('keepaliveTimeout', (client) => {
      log.info({ clientId: client.id }, 'keep-alive timeout')
    })
    aedes.on('clientError', (client, err) => {
      log.debug({ clientId: client.id, err }, 'client error')
    })
    aedes.on('connectionError', (_client, err) => {
      log.debug({ err }, 'connection error')
    })
  }

  return {
    hooks,
    attach,
    markClosing: () => {
      closing = true
    },
    stats: () => ({ ...counters, connected: aedesRef?.connectedClients ?? 0 })
  }
}
